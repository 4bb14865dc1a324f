using System.Globalization;
using StackExchange.Redis;

namespace LiveFeed.Benchmarks.Servers;

/// <summary>
/// Calls per command on a redis-server so far (<c>INFO commandstats</c>), and the three kinds the surges report:
/// data commands (what reads and writes keys: EVALSHA, HGET, SADD, ...), pub/sub (the backplane: SUBSCRIBE,
/// PUBLISH, ...), and the rest (connection and server commands: PING, INFO, CLIENT, CONFIG, ...).
/// </summary>
internal sealed record RedisCommandStats(IReadOnlyDictionary<string, double> Calls)
{
    private static readonly HashSet<string> PubSub =
        ["subscribe", "unsubscribe", "psubscribe", "punsubscribe", "ssubscribe", "sunsubscribe", "publish", "spublish", "pubsub"];

    private static readonly HashSet<string> Other =
        ["info", "ping", "echo", "client", "config", "cluster", "hello", "auth", "select", "command", "script", "quit", "role", "time", "memory", "latency", "slowlog", "readonly", "readwrite"];

    public double Data => Sum(command => Kind(command) == "data");

    public double PubSubCalls => Sum(command => Kind(command) == "pub/sub");

    public double OtherCalls => Sum(command => Kind(command) == "other");

    /// <summary>Reads the counts now from the redis-server at <paramref name="redis"/> (over its own connection).</summary>
    public static async Task<RedisCommandStats> ReadAsync(IConnectionMultiplexer redis)
    {
        var server = redis.GetServer(redis.GetEndPoints()[0]);
        var text = await server.InfoRawAsync("commandstats") ?? string.Empty;
        var calls = new Dictionary<string, double>(StringComparer.Ordinal);
        // cmdstat_evalsha:calls=123,usec=456,... (Redis 7 names subcommands cmdstat_client|setname).
        foreach (var line in text.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var at = line.IndexOf(":calls=", StringComparison.Ordinal);
            if (!line.StartsWith("cmdstat_", StringComparison.Ordinal) || at < 0)
            {
                continue;
            }

            var command = line["cmdstat_".Length..at].Split('|')[0];
            var count = line[(at + ":calls=".Length)..].Split(',')[0];
            calls[command] = calls.GetValueOrDefault(command) + double.Parse(count, CultureInfo.InvariantCulture);
        }

        return new RedisCommandStats(calls);
    }

    /// <summary>"data", "pub/sub" or "other".</summary>
    public static string Kind(string command) => PubSub.Contains(command) ? "pub/sub" : Other.Contains(command) ? "other" : "data";

    /// <summary>The calls made since <paramref name="before"/>.</summary>
    public RedisCommandStats Since(RedisCommandStats before) => new(
        Calls.ToDictionary(pair => pair.Key, pair => pair.Value - before.Calls.GetValueOrDefault(pair.Key), StringComparer.Ordinal));

    /// <summary>These calls less <paramref name="other"/>'s times <paramref name="times"/>, never below 0 for a command.</summary>
    public RedisCommandStats Less(RedisCommandStats other, double times) => new(
        Calls.ToDictionary(pair => pair.Key, pair => Math.Max(0, pair.Value - (other.Calls.GetValueOrDefault(pair.Key) * times)), StringComparer.Ordinal));

    /// <summary>Each count divided by <paramref name="divisor"/>.</summary>
    public RedisCommandStats Per(double divisor) => new(
        Calls.ToDictionary(pair => pair.Key, pair => divisor > 0 ? pair.Value / divisor : 0, StringComparer.Ordinal));

    private double Sum(Func<string, bool> which) => Calls.Where(pair => which(pair.Key)).Sum(pair => pair.Value);
}
