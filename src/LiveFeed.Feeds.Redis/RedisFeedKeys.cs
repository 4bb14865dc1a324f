using StackExchange.Redis;

namespace LiveFeed.Feeds.Redis;

/// <summary>
/// Every Redis key and pub/sub channel LiveFeed uses, built in one place. All keys start with a prefix, so several
/// deployments can share one Redis; the keys of one feed share the hash tag <c>{feed}</c>
/// (<c>livefeed:{main}:events</c>), so the atomic scripts also work on Redis Cluster, where one
/// script may touch one slot only.
/// </summary>
public sealed class RedisFeedKeys
{
    /// <summary>The prefix when none is configured.</summary>
    public const string DefaultPrefix = "livefeed";

    /// <summary>Creates the key names for <paramref name="prefix"/> (no braces: they would break the hash tags).</summary>
    public RedisFeedKeys(string prefix = DefaultPrefix)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(prefix);
        if (prefix.AsSpan().IndexOfAny('{', '}') >= 0)
        {
            throw new ArgumentException("A Redis key prefix must not contain '{' or '}'.", nameof(prefix));
        }

        Prefix = prefix;
    }

    /// <summary>The prefix of every key (and, in the server, of every pub/sub channel).</summary>
    public string Prefix { get; }

    /// <summary>
    /// What the server's connection puts in front of every pub/sub channel's name (StackExchange.Redis's
    /// <c>ChannelPrefix</c>), the SignalR backplane's and <see cref="StoredEvents"/> alike: the prefix and a colon.
    /// </summary>
    public RedisChannel ChannelPrefix => RedisChannel.Literal(Prefix + ":");

    /// <summary>
    /// The channel on which every instance publishes each event it stored, for the other instances' Server-Sent Events
    /// streams: <c>{prefix}:events</c> once the connection's <see cref="ChannelPrefix"/> is in front. One channel for
    /// every feed, so that each instance's events reach every other instance in the order it stored them.
    /// </summary>
    public static RedisChannel StoredEvents { get; } = RedisChannel.Literal("events");

    /// <summary>A set of the feeds that have had an event (for <c>GET /api/feeds</c>).</summary>
    public RedisKey Feeds => $"{Prefix}:feeds";

    /// <summary>
    /// A hash: <c>epoch</c> and <c>seq</c>, the latest sequence, and <c>pinned</c>, the id of the pinned item when there
    /// is one. Its loss is the loss of the feed's log.
    /// </summary>
    public RedisKey Meta(string feed) => Key(feed, "meta");

    /// <summary>A list of the kept events, oldest first: <c>sequence|kind|item JSON</c>.</summary>
    public RedisKey Events(string feed) => Key(feed, "events");

    /// <summary>A hash: item id to the item's JSON as it stands now.</summary>
    public RedisKey Items(string feed) => Key(feed, "items");

    /// <summary>
    /// A hash: item id to its version, the sequence of its latest event (an item stored before v2 has none until its
    /// next event: its score in <see cref="ItemOrder"/> stands in).
    /// </summary>
    public RedisKey Versions(string feed) => Key(feed, "versions");

    /// <summary>A sorted set of the kept item ids, scored by the sequence that published them.</summary>
    public RedisKey ItemOrder(string feed) => Key(feed, "order");

    /// <summary>The same for the kept items that are not retracted.</summary>
    public RedisKey LiveItems(string feed) => Key(feed, "live");

    /// <summary>
    /// The same for the live items marked key events (<c>keyEvent</c>), kept by every write. The meta hash's field
    /// <c>keyevents</c> says it is complete: a feed written before it existed gets it built on its first read.
    /// </summary>
    public RedisKey KeyEvents(string feed) => Key(feed, "keyevents");

    /// <summary>One <c>Idempotency-Key</c> used on the feed, with a TTL.</summary>
    public RedisKey Idempotency(string feed, string idempotencyKey) => Key(feed, "idempotency:" + idempotencyKey);

    /// <summary>
    /// One write's mark (a publish's item id, a change's own token), for an hour: a change's event sequence, or
    /// <c>fenced</c> once a write whose answer never came was found not to have happened (it may then never run).
    /// </summary>
    public RedisKey WriteMark(string feed, string token) => Key(feed, "write:" + token);

    /// <summary>
    /// A hash: scheduled item id to the item's JSON, waiting or claimed. The schedule's keys share the hash tag
    /// <c>{schedule}</c>, not a feed's: a claim takes the due items of every feed in one atomic step, which on Redis
    /// Cluster needs them in one slot. Scheduled items are few (a newsroom's embargoed posts), so one slot holds them all.
    /// </summary>
    public RedisKey ScheduledItems => ScheduleKey("items");

    /// <summary>A sorted set of the waiting scheduled items' ids, scored by <c>publishAt</c> (Unix ms).</summary>
    public RedisKey ScheduleDue => ScheduleKey("due");

    /// <summary>A sorted set of the claimed scheduled items' ids, scored by the end of their claim's lease (Unix ms).</summary>
    public RedisKey ScheduleLeases => ScheduleKey("leases");

    /// <summary>A sorted set of one feed's scheduled items' ids (waiting or claimed), scored by <c>publishAt</c>, for listing.</summary>
    public RedisKey ScheduledOfFeed(string feed) => ScheduleKey("feed:" + feed);

    /// <summary>One <c>Idempotency-Key</c> used on a scheduled POST to the feed, with a TTL.</summary>
    public RedisKey ScheduleIdempotency(string feed, string idempotencyKey) => ScheduleKey("idempotency:" + feed + ":" + idempotencyKey);

    private RedisKey ScheduleKey(string part) => $"{Prefix}:{{schedule}}:{part}";

    private RedisKey Key(string feed, string part) => $"{Prefix}:{{{feed}}}:{part}";
}
