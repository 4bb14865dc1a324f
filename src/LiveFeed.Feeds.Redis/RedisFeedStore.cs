using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using LiveFeed.Contracts;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace LiveFeed.Feeds.Redis;

/// <summary>
/// The store every instance of a deployment shares: each feed's log lives in Redis under keys from
/// <see cref="RedisFeedKeys"/>. Every write is one Lua script on the feed's keys, so appending,
/// numbering, trimming and the idempotency check are one atomic step across instances. A feed's epoch
/// is kept with its log and is new only when the log is gone (Redis wiped, or a new Redis).
/// </summary>
public sealed class RedisFeedStore(IConnectionMultiplexer redis, RedisFeedKeys keys, IOptions<FeedOptions> options, TimeProvider time) : IFeedStore
{
    /// <summary>
    /// How long the epoch of a feed that has no event yet lives when a read made it. Reads of unknown
    /// feeds (anyone may ask for any name) then cost Redis nothing in the long run; a reader that
    /// kept such an epoch past this is only reset, and an empty feed has nothing to lose.
    /// </summary>
    public static readonly TimeSpan EmptyFeedEpochLifetime = TimeSpan.FromHours(1);

    /// <summary>
    /// How long a write that Redis did not answer in time (or whose connection was lost after it was sent) waits
    /// for Redis to say whether it happened, before it is answered as "may have been stored".
    /// </summary>
    public static readonly TimeSpan WriteOutcomeWait = TimeSpan.FromSeconds(30);

    /// <summary>How long a write's mark (<see cref="RedisFeedKeys.WriteMark"/>) is kept: longer than any write can wait in a network.</summary>
    public static readonly TimeSpan WriteMarkLifetime = TimeSpan.FromHours(1);

    private static readonly TimeSpan OutcomeRetryDelay = TimeSpan.FromMilliseconds(250);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly FeedOptions _options = options.Value;

    /// <inheritdoc />
    public Task<PublishResult> PublishAsync(FeedItem item, string? idempotencyKey, CancellationToken cancellationToken) =>
        PublishAsync(item, idempotencyKey, Guid.NewGuid().ToString("N"), cancellationToken);

    /// <summary>
    /// A publish whose write mark is <paramref name="writeToken"/>. Each attempt has its own: a publish given up as not
    /// stored (fenced) must not stop a later attempt of the same item under the same idempotency key (a scheduled item
    /// published again by another instance) for the mark's hour.
    /// </summary>
    internal async Task<PublishResult> PublishAsync(FeedItem item, string? idempotencyKey, string writeToken, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        cancellationToken.ThrowIfCancellationRequested();
        var feed = item.Feed;
        var itemJson = JsonSerializer.Serialize(item, Json);

        // A pinned item is published on the pinned item as read: when another write moved the pin first, the script
        // answers 'changed' and the pin is read again.
        while (true)
        {
            var unpin = item.Pinned ? Unpin((await ReadForWriteAsync(feed, null)).Pinned, item, item.PublishedAt, item.Author) : PinWrite.None;
            var now = time.GetUtcNow().ToUnixTimeMilliseconds();
            var result = await Write(
                async database =>
                {
                    // Sent before the script on the same connection, so a feed with an event is always listed.
                    var register = database.SetAddAsync(keys.Feeds, feed);
                    var published = await database.ScriptEvaluateAsync(
                        RedisScripts.Publish,
                        [keys.Meta(feed), keys.Events(feed), keys.Items(feed), keys.ItemOrder(feed), keys.LiveItems(feed),
                            keys.Idempotency(feed, idempotencyKey ?? string.Empty), keys.WriteMark(feed, writeToken), keys.Versions(feed),
                            keys.KeyEvents(feed)],
                        [item.Id, itemJson, _options.EventRetention, _options.ItemRetention, NewEpoch(), now,
                            (long)Idempotency.Window.TotalMilliseconds, idempotencyKey is null ? "0" : "1",
                            item.Pinned ? "1" : "0", unpin.PinnedId, unpin.Json, unpin.Version, item.KeyEvent ? "1" : "0"]);
                    await register;
                    return (RedisResult[])published!;
                },
                feed, item.Id, FeedEventKind.Published, writeToken);

            switch ((string?)result[0])
            {
                case "replay":
                    var version = (long)result[2];
                    return new PublishResult(ParseItem(result[1]), null, version > 0 ? new ItemVersion((string)result[3]!, version) : null);
                case "changed":
                    continue;
            }

            ThrowIfFenced(result);
            var epoch = (string)result[1]!;
            var sequence = (long)result[2];
            var appended = FeedEvents.Create(epoch, sequence, FeedEventKind.Published, item);
            return new PublishResult(item, appended, new ItemVersion(epoch, sequence)) { Unpinned = unpin.EventBefore(epoch, sequence) };
        }
    }

    /// <inheritdoc />
    public Task<ChangeResult> CorrectAsync(
        string feed, string itemId, ItemContent content, DateTime updatedAt, string by, IfMatch? ifMatch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        return ChangeAsync(feed, itemId, FeedEventKind.Corrected, current => content.Correct(current, updatedAt, by), updatedAt, by, ifMatch, cancellationToken);
    }

    /// <inheritdoc />
    public Task<ChangeResult> RetractAsync(string feed, string itemId, DateTime retractedAt, string by, IfMatch? ifMatch, CancellationToken cancellationToken) =>
        ChangeAsync(feed, itemId, FeedEventKind.Retracted, current => FeedEvents.Retract(current, retractedAt, by), retractedAt, by, ifMatch, cancellationToken);

    private async Task<ChangeResult> ChangeAsync(
        string feed, string itemId, FeedEventKind kind, Func<FeedItem, FeedItem> change, DateTime at, string by, IfMatch? ifMatch, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();

        // Read, check, change, then store only if the item is still at the version that was read (and the pinned item
        // still the one read, when the change pins): the script compares, so the If-Match check and the write are one
        // atomic step. Another instance changing it in between makes the script answer 'changed', and all is done again
        // on the new state (where a stale If-Match now fails).
        while (true)
        {
            var read = await ReadForWriteAsync(feed, itemId);
            if (read.Item is not { } current)
            {
                return ChangeResult.NotFound;
            }

            if (ChangeRules.Refusal(kind, current, ifMatch) is { } refusal)
            {
                return refusal;
            }

            var changed = change(current.Item);
            var unpin = changed.Pinned ? Unpin(read.Pinned, changed, at, by) : PinWrite.None;
            var token = Guid.NewGuid().ToString("N");
            var result = await Write(
                async database => (RedisResult[])(await database.ScriptEvaluateAsync(
                    RedisScripts.Change,
                    [keys.Meta(feed), keys.Events(feed), keys.Items(feed), keys.LiveItems(feed), keys.WriteMark(feed, token),
                        keys.Versions(feed), keys.ItemOrder(feed), keys.KeyEvents(feed)],
                    [itemId, current.Version.Sequence, JsonSerializer.Serialize(changed, Json), KindName(kind), _options.EventRetention,
                        kind == FeedEventKind.Retracted ? "1" : "0", (long)WriteMarkLifetime.TotalMilliseconds,
                        changed.Pinned ? "1" : "0", unpin.PinnedId, unpin.Json, unpin.Version,
                        changed is { KeyEvent: true, RetractedAt: null } ? "1" : "0"]))!,
                feed, itemId, kind, token);

            ThrowIfFenced(result);
            switch ((string?)result[0])
            {
                case "notfound":
                    return ChangeResult.NotFound;
                case "changed":
                    continue;
                default:
                    var epoch = (string)result[1]!;
                    var sequence = (long)result[2];
                    var appended = FeedEvents.Create(epoch, sequence, kind, changed);
                    return new ChangeResult(ChangeStatus.Changed, changed, appended, new ItemVersion(epoch, sequence))
                    {
                        Unpinned = unpin.EventBefore(epoch, sequence),
                    };
            }
        }
    }

    /// <summary>The item <paramref name="itemId"/> (none when null) and the feed's pinned item, with their versions, read in one step.</summary>
    private async Task<(StoredItem? Item, StoredItem? Pinned)> ReadForWriteAsync(string feed, string? itemId)
    {
        var result = await Call(async database => (RedisResult[])(await database.ScriptEvaluateAsync(
            RedisScripts.Item, [keys.Meta(feed), keys.Items(feed), keys.Versions(feed), keys.ItemOrder(feed)], [itemId ?? string.Empty]))!);
        var epoch = (string)result[0]!;
        return (Stored(epoch, result[1], result[2]), Stored(epoch, result[4], result[5]));

        static StoredItem? Stored(string epoch, RedisResult json, RedisResult version) =>
            string.IsNullOrEmpty((string?)json) ? null : new StoredItem(ParseItem(json), new ItemVersion(epoch, (long)version));
    }

    /// <summary>What a write that pins <paramref name="item"/> does to the pinned item it read: unpins it, unless it is the same item.</summary>
    private static PinWrite Unpin(StoredItem? pinned, FeedItem item, DateTime at, string by)
    {
        if (pinned is null)
        {
            return PinWrite.None;
        }

        return pinned.Item.Id == item.Id
            ? PinWrite.None with { PinnedId = item.Id }
            : new PinWrite(pinned.Item.Id, FeedEvents.Unpin(pinned.Item, at, by), pinned.Version.Sequence);
    }

    /// <summary>
    /// The pin as a pinning write read it (<see cref="PinnedId"/>, empty for none) and the item it unpins with its version
    /// as read (none when it unpins nothing): the script's arguments, and the unpinning's event, which comes just
    /// before the write's own.
    /// </summary>
    private sealed record PinWrite(string PinnedId, FeedItem? Unpinned, long Version)
    {
        public static PinWrite None { get; } = new(string.Empty, null, 0);

        public string Json => Unpinned is null ? string.Empty : JsonSerializer.Serialize(Unpinned, RedisFeedStore.Json);

        public FeedEvent? EventBefore(string epoch, long sequence) =>
            Unpinned is null ? null : FeedEvents.Create(epoch, sequence - 1, FeedEventKind.Corrected, Unpinned);
    }

    /// <inheritdoc />
    public async Task<StoredItem?> GetItemAsync(string feed, string itemId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return (await ReadForWriteAsync(feed, itemId)).Item;
    }

    /// <inheritdoc />
    public async Task<HighlightsRead> GetHighlightsAsync(string feed, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var result = await Call(async database => (RedisResult[])(await database.ScriptEvaluateAsync(
            RedisScripts.Highlights,
            [keys.Meta(feed), keys.Items(feed), keys.LiveItems(feed), keys.KeyEvents(feed)],
            [NewEpoch(), (long)EmptyFeedEpochLifetime.TotalMilliseconds, HighlightsRead.MaxKeyEvents]))!);
        var pinned = string.IsNullOrEmpty((string?)result[2]) ? null : ParseItem(result[2]);
        return new HighlightsRead(
            (string)result[0]!,
            (long)result[1],
            pinned is { Pinned: true, RetractedAt: null } ? pinned : null,
            result.Skip(3).Select(ParseItem).Where(item => item is { KeyEvent: true, RetractedAt: null }).ToList());
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<FeedEvent>?> GetHistoryAsync(string feed, string itemId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var result = await Call(async database => (RedisResult[])(await database.ScriptEvaluateAsync(
            RedisScripts.History, [keys.Meta(feed), keys.Events(feed), keys.Items(feed), keys.ItemOrder(feed)], [itemId]))!);
        if ((string?)result[0] == "unknown")
        {
            return null;
        }

        var epoch = (string)result[1]!;
        return result.Skip(2).Select(entry => ParseEvent(epoch, entry)).ToList();
    }

    /// <inheritdoc />
    public async Task<ItemsSlice> ListItemsAsync(string feed, string? beforeItemId, int limit, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var result = await Call(async database => (RedisResult[])(await database.ScriptEvaluateAsync(
            RedisScripts.List,
            [keys.Meta(feed), keys.Items(feed), keys.ItemOrder(feed), keys.LiveItems(feed)],
            [beforeItemId is null ? "0" : "1", beforeItemId ?? string.Empty, limit, NewEpoch(), (long)EmptyFeedEpochLifetime.TotalMilliseconds]))!);

        if ((string?)result[0] == "unknown")
        {
            throw new UnknownItemException(beforeItemId!);
        }

        var items = result.Skip(4).Select(ParseItem).ToList();
        return new ItemsSlice((string)result[1]!, (long)result[2], items, (long)result[3] == 1);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<FeedPage>> ReadPagesAsync(string feed, IReadOnlyList<PageRequest> requests, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(requests);
        cancellationToken.ThrowIfCancellationRequested();

        // read.lua needs of the readers' positions only, per epoch, the distinct sequences and how far any may read.
        List<RedisValue> arguments =
            [_options.SnapshotSize, NewEpoch(), (long)EmptyFeedEpochLifetime.TotalMilliseconds, requests.Any(r => r.After is null) ? "1" : "0"];
        foreach (var epoch in requests.Where(r => r.After is not null).GroupBy(r => r.After!.Value.Epoch, StringComparer.Ordinal))
        {
            var sequences = epoch.Select(r => r.After!.Value.Sequence).Distinct().Order().ToList();
            arguments.Add(epoch.Key);
            arguments.Add(epoch.Max(r => Reach(r.After!.Value.Sequence, r.MaxEvents)));
            arguments.Add(sequences.Count);
            arguments.AddRange(sequences.Select(sequence => (RedisValue)sequence));
        }

        var result = await Call(async database => (RedisResult[])(await database.ScriptEvaluateAsync(
            RedisScripts.Read, [keys.Meta(feed), keys.Events(feed), keys.Items(feed), keys.LiveItems(feed)], [.. arguments]))!);

        var feedEpoch = (string)result[0]!;
        var eventCount = (int)result[4];
        var tail = new FeedTail(
            feed, feedEpoch, (long)result[1], (long)result[2], (long)result[3],
            result.Skip(6).Take(eventCount).Select(entry => ParseEvent(feedEpoch, entry)).ToList(),
            (string?)result[5] == "1" ? result.Skip(6 + eventCount).Select(ParseItem).ToList() : null);
        return requests.Select(tail.PageFor).ToList();
    }

    /// <summary>The furthest sequence a reader after <paramref name="sequence"/> may read to (it may be any number a client sent).</summary>
    private static long Reach(long sequence, int maxEvents) =>
        sequence > long.MaxValue - Math.Max(0, maxEvents) ? long.MaxValue : sequence + Math.Max(0, maxEvents);

    /// <inheritdoc />
    public async Task<IReadOnlyList<FeedSummary>> ListFeedsAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var feeds = await Call(async database =>
        {
            var names = await database.SetMembersAsync(keys.Feeds);
            var metas = await Task.WhenAll(names.Select(name =>
                database.HashGetAsync(keys.Meta(name!), [(RedisValue)"epoch", (RedisValue)"seq"])));
            return names.Zip(metas);
        });

        var summaries = new List<FeedSummary>();
        foreach (var (name, meta) in feeds)
        {
            // A feed whose log was lost since it was listed (Redis wiped) has no epoch or events now.
            if (!meta[0].IsNull && meta[1].TryParse(out long sequence) && sequence > 0)
            {
                summaries.Add(new FeedSummary { Feed = name!, Epoch = meta[0]!, Sequence = sequence });
            }
        }

        summaries.Sort((a, b) => string.CompareOrdinal(a.Feed, b.Feed));
        return summaries;
    }

    /// <inheritdoc />
    public async Task CheckAvailableAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        await Call(database => database.PingAsync());
    }

    private Task<T> Call<T>(Func<IDatabase, Task<T>> call) => RedisErrors.Call(redis, call);

    /// <summary>
    /// Runs one write script. When Redis did not answer it in time, or the connection was lost after it may have been
    /// sent, the write may have happened, or still be on its way. Then <see cref="OutcomeAsync"/> settles it: it
    /// answers what happened, or, in the same atomic step, fences the write so that it never runs later; it is asked
    /// again until Redis answers or <see cref="WriteOutcomeWait"/> ends. Its answer has the write script's shape.
    /// </summary>
    private async Task<RedisResult[]> Write(Func<IDatabase, Task<RedisResult[]>> write, string feed, string itemId, FeedEventKind kind, string token)
    {
        try
        {
            return await write(redis.GetDatabase());
        }
        catch (Exception exception) when (RedisErrors.IsUnreachable(exception))
        {
            if (!RedisErrors.MayHaveBeenSent(exception))
            {
                throw RedisErrors.Unavailable(exception);
            }

            var deadline = time.GetUtcNow() + WriteOutcomeWait;
            while (true)
            {
                try
                {
                    var outcome = await OutcomeAsync(feed, itemId, kind, token);
                    return (string?)outcome[0] == "none" ? throw RedisErrors.Unavailable(exception) : outcome;
                }
                catch (Exception again) when (RedisErrors.IsUnreachable(again) && time.GetUtcNow() < deadline)
                {
                    await Task.Delay(OutcomeRetryDelay, time);
                }
                catch (Exception again) when (RedisErrors.IsUnreachable(again))
                {
                    throw new FeedStoreUnavailableException(
                        $"Redis did not answer a write, nor for {WriteOutcomeWait.TotalSeconds:0} s whether it happened: {exception.Message}",
                        exception, mayHaveStored: true);
                }
            }
        }
    }

    /// <summary>
    /// Whether the write <paramref name="token"/> (a publish's item id, a change's token) happened: {'ok', epoch,
    /// sequence}, or {'none'} after which it never will (<see cref="RedisScripts.Outcome"/>).
    /// </summary>
    internal async Task<RedisResult[]> OutcomeAsync(string feed, string itemId, FeedEventKind kind, string token) =>
        (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(
            RedisScripts.Outcome,
            [keys.Meta(feed), keys.ItemOrder(feed), keys.WriteMark(feed, token)],
            [itemId, KindName(kind), (long)WriteMarkLifetime.TotalMilliseconds]))!;

    /// <summary>A write that outcome.lua had already settled as "did not happen" (only a write delivered late can meet this).</summary>
    private static void ThrowIfFenced(RedisResult[] result)
    {
        if ((string?)result[0] == "fenced")
        {
            throw new FeedStoreUnavailableException("This write was given up as not stored after Redis did not answer it in time; nothing was stored.");
        }
    }

    private static string NewEpoch() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    private static FeedItem ParseItem(RedisValue json) =>
        JsonSerializer.Deserialize<FeedItem>((string)json!, Json) ?? throw new InvalidDataException("A stored item is null.");

    private static FeedItem ParseItem(RedisResult json) => ParseItem((RedisValue)json);

    /// <summary>Parses an event entry: <c>sequence|kind|item JSON</c>.</summary>
    private static FeedEvent ParseEvent(string epoch, RedisResult entry)
    {
        var text = (string)entry!;
        var first = text.IndexOf('|', StringComparison.Ordinal);
        var second = text.IndexOf('|', first + 1);
        return FeedEvents.Create(
            epoch,
            long.Parse(text.AsSpan(0, first), NumberStyles.None, CultureInfo.InvariantCulture),
            ParseKind(text.AsSpan(first + 1, second - first - 1)),
            ParseItem(text[(second + 1)..]));
    }

    private static string KindName(FeedEventKind kind) => kind switch
    {
        FeedEventKind.Published => "published",
        FeedEventKind.Corrected => "corrected",
        FeedEventKind.Retracted => "retracted",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    private static FeedEventKind ParseKind(ReadOnlySpan<char> name) => name switch
    {
        "published" => FeedEventKind.Published,
        "corrected" => FeedEventKind.Corrected,
        "retracted" => FeedEventKind.Retracted,
        _ => throw new InvalidDataException($"Unknown event kind '{name}' in Redis."),
    };
}
