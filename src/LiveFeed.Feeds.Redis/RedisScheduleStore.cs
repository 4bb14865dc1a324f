using System.Globalization;
using System.Text.Json;
using LiveFeed.Contracts;
using LiveFeed.Feeds.Schedule;
using StackExchange.Redis;

namespace LiveFeed.Feeds.Redis;

/// <summary>
/// The schedule every instance of a deployment shares: waiting and claimed items live in Redis under the keys of
/// <see cref="RedisFeedKeys"/> with the hash tag <c>{schedule}</c>, and every step (add, replace, cancel, claim, complete)
/// is one Lua script over them, so that a claim is atomic against every other claim and every cancel. A claim is a
/// lease in Redis (scored by its end): an instance that dies holding one leaves the item to the next claim after it.
/// </summary>
public sealed class RedisScheduleStore(IConnectionMultiplexer redis, RedisFeedKeys keys) : IScheduleStore
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <inheritdoc />
    public async Task<ScheduleAddResult> AddAsync(ScheduledItem item, string? idempotencyKey, DateTime now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        cancellationToken.ThrowIfCancellationRequested();
        var json = JsonSerializer.Serialize(item, Json);
        var result = await Write(async database => (RedisResult[])(await database.ScriptEvaluateAsync(
            RedisScripts.ScheduleAdd,
            [keys.ScheduledItems, keys.ScheduleDue, keys.ScheduledOfFeed(item.Feed), keys.ScheduleIdempotency(item.Feed, idempotencyKey ?? string.Empty)],
            [item.Id, json, Milliseconds(item.PublishAt), Milliseconds(now), (long)Idempotency.Window.TotalMilliseconds, idempotencyKey is null ? "0" : "1"]))!);
        return (string?)result[0] == "replay" ? new ScheduleAddResult(Parse((RedisValue)result[1]), false) : new ScheduleAddResult(item, true);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<ScheduledItem>> ListAsync(string feed, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var result = await RedisErrors.Call(redis, async database => (RedisResult[])(await database.ScriptEvaluateAsync(
            RedisScripts.ScheduleList, [keys.ScheduledItems, keys.ScheduleLeases, keys.ScheduledOfFeed(feed)]))!);
        return result.Select(json => Parse((RedisValue)json)).ToList();
    }

    /// <inheritdoc />
    public async Task<ScheduledItem?> ReplaceAsync(ScheduledItem item, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        cancellationToken.ThrowIfCancellationRequested();

        // Read, then replace only if it is still what was read: the author comes from the stored item.
        while (true)
        {
            var currentJson = await RedisErrors.Call(redis, database => database.HashGetAsync(keys.ScheduledItems, item.Id));
            if (currentJson.IsNull || Parse(currentJson) is not { } current || current.Feed != item.Feed)
            {
                return null;
            }

            var replaced = item with { Author = current.Author };
            var outcome = (string?)await Write(database => database.ScriptEvaluateAsync(
                RedisScripts.ScheduleReplace,
                [keys.ScheduledItems, keys.ScheduleDue, keys.ScheduleLeases, keys.ScheduledOfFeed(item.Feed)],
                [item.Id, currentJson, JsonSerializer.Serialize(replaced, Json), Milliseconds(replaced.PublishAt)]));
            if (outcome != "changed")
            {
                return outcome == "ok" ? replaced : null;
            }
        }
    }

    /// <inheritdoc />
    public async Task<bool> CancelAsync(string feed, string id, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var cancelled = await Write(database => database.ScriptEvaluateAsync(
            RedisScripts.ScheduleCancel,
            [keys.ScheduledItems, keys.ScheduleDue, keys.ScheduleLeases, keys.ScheduledOfFeed(feed)], [id]));
        return (long)cancelled == 1;
    }

    /// <inheritdoc />
    public async Task<ScheduleClaims> ClaimDueAsync(DateTime now, TimeSpan lease, int max, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();

        // A claim that timed out may have run: its items then wait for their lease to run out and are claimed again.
        var result = await RedisErrors.Call(redis, async database => (RedisResult[])(await database.ScriptEvaluateAsync(
            RedisScripts.ScheduleClaim, [keys.ScheduledItems, keys.ScheduleDue, keys.ScheduleLeases],
            [Milliseconds(now), (long)lease.TotalMilliseconds, max]))!);
        var next = (string?)result[0];
        return new ScheduleClaims(
            result.Skip(1).Select(json => Parse((RedisValue)json)).ToList(),
            string.IsNullOrEmpty(next) ? null : DateTime.UnixEpoch.AddMilliseconds(double.Parse(next, CultureInfo.InvariantCulture)));
    }

    /// <inheritdoc />
    public async Task CompleteAsync(ScheduledItem item, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        cancellationToken.ThrowIfCancellationRequested();
        await RedisErrors.Call(redis, database => database.ScriptEvaluateAsync(
            RedisScripts.ScheduleComplete,
            [keys.ScheduledItems, keys.ScheduleDue, keys.ScheduleLeases, keys.ScheduledOfFeed(item.Feed)], [item.Id]));
    }

    /// <summary>
    /// A write: when Redis did not answer it in time (or the connection was lost after it was sent) it may have
    /// happened, which the exception says (the API then answers 503 saying so).
    /// </summary>
    private async Task<T> Write<T>(Func<IDatabase, Task<T>> write)
    {
        try
        {
            return await write(redis.GetDatabase());
        }
        catch (Exception exception) when (RedisErrors.IsUnreachable(exception))
        {
            throw RedisErrors.MayHaveBeenSent(exception)
                ? new FeedStoreUnavailableException($"Redis did not answer a schedule write: {exception.Message}", exception, mayHaveStored: true)
                : RedisErrors.Unavailable(exception);
        }
    }

    private static long Milliseconds(DateTime time) => (long)(time - DateTime.UnixEpoch).TotalMilliseconds;

    private static ScheduledItem Parse(RedisValue json) =>
        JsonSerializer.Deserialize<ScheduledItem>((string)json!, Json) ?? throw new InvalidDataException("A stored scheduled item is null.");
}
