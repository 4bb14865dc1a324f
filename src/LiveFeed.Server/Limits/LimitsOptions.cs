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
    /// <c>Limits:NewConnections</c>: new hub connections per client address (an IPv6 client's /64). 100 a second, bursts
    /// of 500: many readers share one address behind a carrier's or a company's NAT, and all reconnect after a restart.
    /// </summary>
    public TokenBucketLimit NewConnections { get; set; } = new() { TokenLimit = 500, TokensPerPeriod = 100, ReplenishmentPeriod = TimeSpan.FromSeconds(1) };

    /// <summary><c>Limits:MaxReaderConnections</c>: hub connections open at once on this instance; past it, new ones answer 503.</summary>
    public int MaxReaderConnections { get; set; } = 10_000;

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
        if (options.MaxReaderConnections < 1)
        {
            failures.Add("Limits:MaxReaderConnections must be at least 1.");
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
