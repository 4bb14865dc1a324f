using LiveFeed.Feeds;
using LiveFeed.Feeds.Redis;
using LiveFeed.Server.Logging;
using StackExchange.Redis;

namespace LiveFeed.Server.Audience;

/// <summary>A feed's readers on every instance, and the moment the count is from.</summary>
/// <param name="Readers">Hub connections subscribed to the feed and streams of it, on every instance.</param>
/// <param name="At">When the oldest of the counts summed was taken (UTC, to the millisecond).</param>
internal readonly record struct AudienceCount(long Readers, DateTime At);

/// <summary>Counts a feed's readers on every instance.</summary>
internal interface IAudienceCounts
{
    /// <exception cref="FeedStoreUnavailableException">The count cannot be read (Redis cannot be reached).</exception>
    Task<AudienceCount> CountAsync(string feed, CancellationToken cancellationToken);
}

/// <summary>One instance, in memory: its own readers, counted now.</summary>
internal sealed class LocalAudienceCounts(FeedAudience audience, TimeProvider clock) : IAudienceCounts
{
    public Task<AudienceCount> CountAsync(string feed, CancellationToken cancellationToken) =>
        Task.FromResult(new AudienceCount(audience.Of(feed), ToTheMillisecond(clock.GetUtcNow().UtcDateTime)));

    public static DateTime ToTheMillisecond(DateTime utc) => new(utc.Ticks - (utc.Ticks % TimeSpan.TicksPerMillisecond), DateTimeKind.Utc);
}

/// <summary>
/// Every instance on one Redis: each reports its <see cref="FeedAudience"/> to Redis every <see cref="ReportInterval"/>,
/// as a hash of feed to readers (<c>{prefix}:{audience}:instance:{id}</c>, expiring after <see cref="Lifetime"/>) and its
/// report's time in a sorted set of instances (<c>{prefix}:{audience}:instances</c>). A count sums the hashes of the
/// instances that reported within <see cref="Lifetime"/>: a count is at most one interval old per instance, and an instance
/// that died (no graceful stop) stops counting at most <see cref="Lifetime"/> after its last report. Times are Redis's own
/// (<c>TIME</c>), so the instances' clocks do not matter. The keys share the hash tag <c>{audience}</c>: the scripts work on
/// Redis Cluster.
/// </summary>
internal sealed class RedisAudienceCounts(
    IConnectionMultiplexer redis, RedisFeedKeys keys, FeedAudience audience, ILogger<RedisAudienceCounts> logger)
    : BackgroundService, IAudienceCounts
{
    /// <summary>How often each instance reports its readers.</summary>
    public static readonly TimeSpan ReportInterval = TimeSpan.FromSeconds(2);

    /// <summary>How long a report counts: three intervals, so one late or lost report does not drop an instance.</summary>
    public static readonly TimeSpan Lifetime = ReportInterval * 3;

    // KEYS: instances, this instance's hash. ARGV: instance id, lifetime in ms, then feed, readers, feed, readers, ...
    private const string ReportScript = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        redis.call('DEL', KEYS[2])
        if #ARGV > 2 then
          redis.call('HSET', KEYS[2], unpack(ARGV, 3))
          redis.call('PEXPIRE', KEYS[2], ARGV[2])
        end
        redis.call('ZADD', KEYS[1], now, ARGV[1])
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
        return now
        """;

    // KEYS: instances. ARGV: the hashes' key before the instance id, lifetime in ms, feed. Answers {readers, at in ms}.
    private const string CountScript = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local instances = redis.call('ZRANGEBYSCORE', KEYS[1], now - tonumber(ARGV[2]), '+inf', 'WITHSCORES')
        local readers = 0
        local at = now
        for i = 1, #instances, 2 do
          local n = redis.call('HGET', ARGV[1] .. instances[i], ARGV[3])
          if n then readers = readers + tonumber(n) end
          at = math.min(at, tonumber(instances[i + 1]))
        end
        return {readers, at}
        """;

    private readonly string _instance = Guid.NewGuid().ToString("N");

    private RedisKey Instances => $"{keys.Prefix}:{{audience}}:instances";

    private string InstancePrefix => $"{keys.Prefix}:{{audience}}:instance:";

    public async Task<AudienceCount> CountAsync(string feed, CancellationToken cancellationToken)
    {
        // Away, loading or busy: a 503 with Retry-After, like every other read (RedisErrors).
        var result = await RedisErrors.Call(redis, async database => (RedisResult[])(await database.ScriptEvaluateAsync(
            CountScript, [Instances], [InstancePrefix, (long)Lifetime.TotalMilliseconds, feed]))!);
        return new AudienceCount((long)result[0], DateTimeOffset.FromUnixTimeMilliseconds((long)result[1]).UtcDateTime);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(ReportInterval);
        do
        {
            await ReportAsync();
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);

        // A stopping instance's readers have gone (the drain) or go now: they stop counting at once, not after the lifetime.
        // At best: Redis may be away, or the shared connection already disposed when the host stops (seen with Redis
        // stopped under a running server); the report then expires by itself.
        try
        {
            var database = redis.GetDatabase();
            await Task.WhenAll(database.SortedSetRemoveAsync(Instances, _instance), database.KeyDeleteAsync(InstancePrefix + _instance));
        }
        catch (Exception exception) when (exception is RedisException or RedisTimeoutException or ObjectDisposedException)
        {
            LiveFeedLog.AudienceNotReported(logger, exception);
        }
    }

    private async Task ReportAsync()
    {
        var readers = audience.Snapshot();
        var arguments = new RedisValue[2 + (readers.Length * 2)];
        arguments[0] = _instance;
        arguments[1] = (long)Lifetime.TotalMilliseconds;
        for (var i = 0; i < readers.Length; i++)
        {
            arguments[2 + (2 * i)] = readers[i].Key;
            arguments[3 + (2 * i)] = readers[i].Value;
        }

        try
        {
            await RedisErrors.Call(redis, database => database.ScriptEvaluateAsync(ReportScript, [Instances, InstancePrefix + _instance], arguments));
        }
        catch (Exception exception) when (exception is FeedStoreUnavailableException or RedisException or ObjectDisposedException)
        {
            // Redis is away (its loss is logged where the connection is); the next report tries again.
            LiveFeedLog.AudienceNotReported(logger, exception);
        }
    }
}
