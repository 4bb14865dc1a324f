using Microsoft.Extensions.Options;

namespace LiveFeed.Server.Limits;

/// <summary>
/// The <c>Limits</c> configuration section: what one client may ask of the server. Every key and default
/// is listed in docs/security.md.
/// </summary>
internal sealed class LimitsOptions
{
    public const string Section = "Limits";

    /// <summary>
    /// <c>Limits:Writes</c>: writes per newsroom key (per client address without a valid key). 100 a second, bursts of
    /// 200: far above a newsroom's pace and a bulk import's, far below what would hurt the store or the readers.
    /// </summary>
    public TokenBucketLimit Writes { get; set; } = new() { TokenLimit = 200, TokensPerPeriod = 100, ReplenishmentPeriod = TimeSpan.FromSeconds(1) };

    /// <summary>
    /// <c>Limits:HubInvocations</c>: hub calls per connection. Readers subscribe to at most 20 feeds, then rarely call
    /// again; 10 a second, bursts of 100, leaves room to change every feed a few times over.
    /// </summary>
    public TokenBucketLimit HubInvocations { get; set; } = new() { TokenLimit = 100, TokensPerPeriod = 10, ReplenishmentPeriod = TimeSpan.FromSeconds(1) };

    /// <summary>
    /// <c>Limits:NewConnections</c>: new hub connections per client address (an IPv6 client's /64). Bursts of 10,000, then
    /// 200 a second: every reader an instance holds may sit behind one carrier-grade NAT address and reconnect at once
    /// after a restart, and that address's readers come and go all day (the arithmetic is in docs/security.md). Bursts
    /// beyond what the instance can set up at once are paced by <see cref="ConnectionSetups"/>, not refused for good.
    /// </summary>
    public TokenBucketLimit NewConnections { get; set; } = new() { TokenLimit = 10_000, TokensPerPeriod = 200, ReplenishmentPeriod = TimeSpan.FromSeconds(1) };

    /// <summary>
    /// <c>Limits:ConnectionSetups</c>: hub connections being set up at once on this instance (negotiate, WebSocket accept,
    /// SignalR handshake); past it, new ones answer 429 with a short, jittered <c>Retry-After</c>.
    /// </summary>
    public ConnectionSetupLimits ConnectionSetups { get; set; } = new();

    /// <summary><c>Limits:MaxReaderConnections</c>: hub connections open at once on this instance; past it, new ones answer 503.</summary>
    public int MaxReaderConnections { get; set; } = 10_000;

    /// <summary>
    /// <c>Limits:ListenBacklog</c>: connections the kernel holds for the server before it accepts them (Kestrel's
    /// <c>SocketTransportOptions.Backlog</c>, 512 by default). A connection that finds the queue full is dropped without
    /// an answer and its client sends again 1 s, then 3 s, 7 s later: in a crowd's arrival the server sits idle between
    /// those waves. 4096, Linux's own cap (<c>net.core.somaxconn</c>, which cuts a larger value to it), holds what an
    /// instance accepts in a second or two, far inside the clients' timeouts (docs/security.md, "Admission").
    /// </summary>
    public int ListenBacklog { get; set; } = 4096;

    /// <summary>The largest <see cref="ListenBacklog"/>: what Linux can hold for a socket with <c>net.core.somaxconn</c> raised.</summary>
    public const int MaxListenBacklog = 65_535;

    /// <summary><c>Limits:Readers</c>: how far a reader may fall behind before it is dropped.</summary>
    public ReaderSendLimits Readers { get; set; } = new();
}

/// <summary>A token bucket: <see cref="TokenLimit"/> calls at once, then <see cref="TokensPerPeriod"/> every <see cref="ReplenishmentPeriod"/>.</summary>
internal sealed class TokenBucketLimit
{
    public int TokenLimit { get; set; }

    public int TokensPerPeriod { get; set; }

    public TimeSpan ReplenishmentPeriod { get; set; }
}

/// <summary>The cap on connection set-ups in progress, and how long those it refuses are told to wait.</summary>
internal sealed class ConnectionSetupLimits
{
    /// <summary>The longest <see cref="MaxRetryAfter"/>: a refused reader should be back within a minute.</summary>
    public static readonly TimeSpan LongestRetryAfter = TimeSpan.FromMinutes(1);

    /// <summary>
    /// <c>Limits:ConnectionSetups:MaxInProgress</c>: set-ups in progress at once. A set-up costs the server about half a
    /// millisecond of CPU, so one core finishes some 30,000 within the clients' 15 s handshake timeout; 10,000 (the
    /// reader cap) lets a whole instance's crowd reconnect without a refusal, and refuses only a flood beyond that. A
    /// lower cap makes a storm slower and dearer: refused readers come back later and cost a second request each
    /// (docs/security.md, "Admission": 500 tripled a 10,000-reader storm's time and doubled its CPU).
    /// </summary>
    public int MaxInProgress { get; set; } = 10_000;

    /// <summary>
    /// <c>Limits:ConnectionSetups:MaxInProgressPerAddress</c>: set-ups in progress at once from one client address (an IPv6
    /// client's /64). Half the instance's: a host that opens connections and never finishes their handshake holds at
    /// most half the slots (each until SignalR's 15 s handshake timeout), and readers from every other address keep
    /// the other half; a carrier's NAT reconnecting half an instance's readers at once is not refused.
    /// </summary>
    public int MaxInProgressPerAddress { get; set; } = 5_000;

    /// <summary>
    /// <c>Limits:ConnectionSetups:MaxRetryAfter</c>: a refused set-up is told to retry after a whole number of seconds
    /// drawn evenly from 1 to this, so that a crowd refused together does not come back together.
    /// </summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>Bounds on what the server holds for one reader that does not keep up.</summary>
internal sealed class ReaderSendLimits
{
    /// <summary><c>Limits:Readers:SendTimeout</c>: a send the reader's connection has not taken within this time drops the reader.</summary>
    public TimeSpan SendTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary><c>Limits:Readers:MaxBufferedBytes</c>: bytes waiting for one reader beyond which the next message drops it.</summary>
    public int MaxBufferedBytes { get; set; } = 1024 * 1024;
}

/// <summary>Stops the server at start on a limit that cannot work, naming its key.</summary>
internal sealed class LimitsOptionsValidator : IValidateOptions<LimitsOptions>
{
    public ValidateOptionsResult Validate(string? name, LimitsOptions options)
    {
        var failures = new List<string>();
        Check(options.Writes, "Writes", failures);
        Check(options.HubInvocations, "HubInvocations", failures);
        Check(options.NewConnections, "NewConnections", failures);
        if (options.ConnectionSetups.MaxInProgress < 1)
        {
            failures.Add("Limits:ConnectionSetups:MaxInProgress must be at least 1.");
        }

        if (options.ConnectionSetups.MaxInProgressPerAddress < 1)
        {
            failures.Add("Limits:ConnectionSetups:MaxInProgressPerAddress must be at least 1.");
        }

        if (options.ConnectionSetups.MaxRetryAfter < TimeSpan.FromSeconds(1) || options.ConnectionSetups.MaxRetryAfter > ConnectionSetupLimits.LongestRetryAfter)
        {
            failures.Add($"Limits:ConnectionSetups:MaxRetryAfter must be a time span from 00:00:01 to {ConnectionSetupLimits.LongestRetryAfter:c}, e.g. 00:00:05.");
        }

        if (options.MaxReaderConnections < 1)
        {
            failures.Add("Limits:MaxReaderConnections must be at least 1.");
        }

        if (options.ListenBacklog is < 1 or > LimitsOptions.MaxListenBacklog)
        {
            failures.Add($"Limits:ListenBacklog must be from 1 to {LimitsOptions.MaxListenBacklog}.");
        }

        if (options.Readers.SendTimeout <= TimeSpan.Zero)
        {
            failures.Add("Limits:Readers:SendTimeout must be a positive time span, e.g. 00:00:10.");
        }

        if (options.Readers.MaxBufferedBytes < 16 * 1024)
        {
            failures.Add("Limits:Readers:MaxBufferedBytes must be at least 16384.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Check(TokenBucketLimit limit, string key, List<string> failures)
    {
        if (limit.TokenLimit < 1)
        {
            failures.Add($"Limits:{key}:TokenLimit must be at least 1.");
        }

        if (limit.TokensPerPeriod < 1)
        {
            failures.Add($"Limits:{key}:TokensPerPeriod must be at least 1.");
        }

        if (limit.ReplenishmentPeriod < TimeSpan.FromMilliseconds(1))
        {
            failures.Add($"Limits:{key}:ReplenishmentPeriod must be a positive time span, e.g. 00:00:01.");
        }
    }
}
