using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using LiveFeed.Server.Logging;
using Microsoft.Extensions.Options;

namespace LiveFeed.Server.Newsroom;

/// <summary>
/// The newsroom keys in force, and which of them a request presents, in constant time. They are read again whenever the
/// configuration changes (an edited appsettings file, any reloadable source): a good new set replaces the old one at
/// once; a malformed one is logged as an error naming the bad setting, and the last good set stays in force.
/// </summary>
internal sealed class NewsroomKeys : IDisposable
{
    private readonly ILogger<NewsroomKeys> _logger;
    private readonly IDisposable? _subscription;
    private volatile NewsroomKeySet _keys;

    public NewsroomKeys(IOptionsMonitor<NewsroomOptions> options, ILogger<NewsroomKeys> logger)
    {
        _logger = logger;
        _keys = NewsroomKeySet.Read(options.CurrentValue, out var failures) ?? NewsroomKeySet.Empty;
        StartFailures = failures;
        _subscription = options.OnChange((changed, name) =>
        {
            if (name is null || name == Options.DefaultName)
            {
                Reload(changed);
            }
        });
    }

    /// <summary>What is wrong with the keys as configured at start (empty when nothing): the start stops on it.</summary>
    public IReadOnlyList<string> StartFailures { get; }

    /// <summary>The key whose SHA-256 matches <paramref name="presentedKey"/>, or null.</summary>
    public NewsroomKey? Find(string presentedKey)
    {
        Span<byte> presented = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(presentedKey), presented);

        // Compare against every key without stopping at a match, so timing says nothing about which
        // key (if any) is close.
        NewsroomKeySet.Entry? match = null;
        foreach (var entry in _keys.Entries)
        {
            if (CryptographicOperations.FixedTimeEquals(presented, entry.Hash))
            {
                match = entry;
            }
        }

        return match is null ? null : new NewsroomKey(match.Name, match.Scope);
    }

    /// <summary>The configuration value for <paramref name="key"/>: its lowercase hex SHA-256.</summary>
    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    public void Dispose() => _subscription?.Dispose();

    private void Reload(NewsroomOptions options)
    {
        var keys = NewsroomKeySet.Read(options, out var failures);
        if (keys is null)
        {
            LiveFeedLog.NewsroomKeysNotReloaded(_logger, string.Join(" ", failures));
            return;
        }

        // Configuration sources often report one change twice (a file saved in two writes): log real changes only.
        if (!keys.SameAs(_keys))
        {
            _keys = keys;
            LiveFeedLog.NewsroomKeysReloaded(_logger, keys.Entries.Count, keys.Entries.Count(entry => entry.Scope != FeedScope.All));
        }
    }
}

/// <summary>
/// The newsroom key a request was authenticated with: its name (the items' <c>author</c>, the events' <c>by</c>) and the
/// feeds it may write to, as they were when the request arrived. Carried on the request's user as claims.
/// </summary>
internal sealed record NewsroomKey(string Name, FeedScope Scope)
{
    private const string FeedPatternClaim = "livefeed:feed-pattern";

    /// <summary>The claims of a request made with this key.</summary>
    public ClaimsIdentity ToIdentity(string scheme) =>
        new([new Claim(ClaimTypes.Name, Name), .. Scope.Patterns.Select(pattern => new Claim(FeedPatternClaim, pattern))], scheme);

    /// <summary>The key of a request authenticated with one, or null.</summary>
    public static NewsroomKey? Of(ClaimsPrincipal user)
    {
        if (user.Identity is not { IsAuthenticated: true, Name: { } name })
        {
            return null;
        }

        var patterns = string.Join(',', user.FindAll(FeedPatternClaim).Select(claim => claim.Value));
        return new NewsroomKey(name, FeedScope.Parse(patterns, out _) ?? throw new InvalidOperationException("A newsroom key's claims carry no scope."));
    }
}

/// <summary>In Development with no key configured, one key made at start for this run (name <c>dev</c>).</summary>
internal sealed class DevelopmentNewsroomKey
{
    public const string Name = "dev";

    public string Key { get; } = "lfdev_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20));
}
