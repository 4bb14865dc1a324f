using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace LiveFeed.Server.Newsroom;

/// <summary>Finds which configured newsroom key a request presents, in constant time.</summary>
internal sealed class NewsroomKeys(IOptionsMonitor<NewsroomOptions> options)
{
    /// <summary>The name of the key whose SHA-256 matches <paramref name="presentedKey"/>, or null.</summary>
    public string? FindName(string presentedKey)
    {
        Span<byte> presented = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(presentedKey), presented);

        // Compare against every key without stopping at a match, so timing says nothing about which
        // key (if any) is close. The hashes were validated at start (NewsroomOptionsValidator).
        Span<byte> configured = stackalloc byte[SHA256.HashSizeInBytes];
        string? match = null;
        foreach (var (name, hash) in options.CurrentValue.ApiKeys)
        {
            if (Convert.FromHexString(hash, configured, out _, out _) == System.Buffers.OperationStatus.Done
                && CryptographicOperations.FixedTimeEquals(presented, configured))
            {
                match = name;
            }
        }

        return match;
    }

    /// <summary>The configuration value for <paramref name="key"/>: its lowercase hex SHA-256.</summary>
    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}

/// <summary>In Development with no key configured, one key made at start for this run (name <c>dev</c>).</summary>
internal sealed class DevelopmentNewsroomKey
{
    public const string Name = "dev";

    public string Key { get; } = "lfdev_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20));
}
