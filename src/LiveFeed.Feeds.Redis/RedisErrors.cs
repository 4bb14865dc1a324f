using StackExchange.Redis;

namespace LiveFeed.Feeds.Redis;

/// <summary>
/// What a failed Redis call means to a store: unreachable or not, and whether a write may have been sent. Shared by the
/// stores here and the server's other Redis readers (the audience), so that every Redis that cannot serve (away,
/// loading, busy) answers the same <c>503</c>.
/// </summary>
public static class RedisErrors
{
    /// <summary>Runs Redis calls, turning "Redis cannot be reached" into <see cref="FeedStoreUnavailableException"/>.</summary>
    public static async Task<T> Call<T>(IConnectionMultiplexer redis, Func<IDatabase, Task<T>> call)
    {
        ArgumentNullException.ThrowIfNull(redis);
        ArgumentNullException.ThrowIfNull(call);
        try
        {
            return await call(redis.GetDatabase());
        }
        catch (Exception exception) when (IsUnreachable(exception))
        {
            throw Unavailable(exception);
        }
    }

    /// <summary>
    /// Whether a failed call may have reached Redis. A timeout always may (the library can mark a message it has just
    /// written as waiting); a lost connection unless the call was never given to one.
    /// </summary>
    public static bool MayHaveBeenSent(Exception exception) => exception switch
    {
        RedisTimeoutException => true,
        RedisConnectionException connection => connection.CommandStatus != CommandStatus.WaitingToBeSent,
        _ => false,
    };

    /// <summary>The exception a store throws for <paramref name="exception"/>, an unreachable Redis.</summary>
    public static FeedStoreUnavailableException Unavailable(Exception exception) =>
        new($"Redis cannot be reached: {exception.Message}", exception);

    /// <summary>Whether <paramref name="exception"/> says Redis cannot be reached or cannot serve now (try again later).</summary>
    public static bool IsUnreachable(Exception exception) => exception switch
    {
        RedisConnectionException or RedisTimeoutException => true,
        // Redis answers, but cannot serve writes or reads yet: loading its data, busy with a script, a replica, a failover.
        RedisServerException server => server.Message.StartsWith("LOADING", StringComparison.Ordinal)
            || server.Message.StartsWith("BUSY", StringComparison.Ordinal)
            || server.Message.StartsWith("READONLY", StringComparison.Ordinal)
            || server.Message.StartsWith("MASTERDOWN", StringComparison.Ordinal)
            || server.Message.StartsWith("TRYAGAIN", StringComparison.Ordinal)
            || server.Message.StartsWith("CLUSTERDOWN", StringComparison.Ordinal),
        _ => false,
    };
}
