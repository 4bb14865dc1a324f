using System.Globalization;

namespace LiveFeed.Tests.Infrastructure;

/// <summary>
/// Redis's count of calls per command (<c>INFO commandstats</c>), commands run by Lua scripts included: what the
/// tests count to say what a piece of LiveFeed costs Redis.
/// </summary>
public sealed class RedisCommandCalls(IReadOnlyDictionary<string, long> calls)
{
    /// <summary>
    /// Not data commands: pub/sub (the backplane's traffic), and what clients do to keep a connection and ask after
    /// the server (the test's own INFO, the client library's pings and set-up).
    /// </summary>
    private static readonly HashSet<string> NotData = new(StringComparer.Ordinal)
    {
        "subscribe", "unsubscribe", "psubscribe", "punsubscribe", "ssubscribe", "sunsubscribe", "publish", "spublish", "pubsub",
        "info", "ping", "echo", "client", "config", "cluster", "hello", "select", "command",
    };

    /// <summary>Calls per command, e.g. <c>evalsha</c>, <c>hmget</c>, <c>client|setname</c>.</summary>
    public IReadOnlyDictionary<string, long> Calls { get; } = calls;

    public static RedisCommandCalls Parse(string info)
    {
        // cmdstat_hmget:calls=12,usec=34,usec_per_call=2.83,rejected_calls=0,failed_calls=0
        var calls = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var line in info.Split("\r\n", StringSplitOptions.RemoveEmptyEntries))
        {
            if (!line.StartsWith("cmdstat_", StringComparison.Ordinal))
            {
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var count = line[(colon + 1)..].Split(',')[0];
            calls[line["cmdstat_".Length..colon]] = long.Parse(count["calls=".Length..], CultureInfo.InvariantCulture);
        }

        return new RedisCommandCalls(calls);
    }

    /// <summary>The data commands run since <paramref name="earlier"/>, by command, most first.</summary>
    public IReadOnlyList<(string Command, long Calls)> DataCommandsSince(RedisCommandCalls earlier) =>
        CommandsSince(earlier).Where(entry => IsData(entry.Command)).ToList();

    /// <summary>The other commands run since <paramref name="earlier"/> (pub/sub, housekeeping), by command, most first.</summary>
    public IReadOnlyList<(string Command, long Calls)> OtherCommandsSince(RedisCommandCalls earlier) =>
        CommandsSince(earlier).Where(entry => !IsData(entry.Command)).ToList();

    private static bool IsData(string command) => !NotData.Contains(command.Split('|')[0]);

    private IEnumerable<(string Command, long Calls)> CommandsSince(RedisCommandCalls earlier) =>
        Calls.Select(entry => (entry.Key, entry.Value - earlier.Calls.GetValueOrDefault(entry.Key)))
            .Where(entry => entry.Item2 > 0)
            .OrderByDescending(entry => entry.Item2);
}
