namespace LiveFeed.Tests.Infrastructure;

/// <summary>The settings that put a LiveFeed server on a Redis.</summary>
public static class RedisSettings
{
    public static Dictionary<string, string?> For(RedisServer redis, string prefix = "livefeed") => new()
    {
        ["ConnectionStrings:Redis"] = redis.ConnectionString,
        ["Redis:Prefix"] = prefix,
    };
}
