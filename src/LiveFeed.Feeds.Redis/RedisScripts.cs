using System.Reflection;

namespace LiveFeed.Feeds.Redis;

/// <summary>The Lua scripts of <see cref="RedisFeedStore"/>, kept as files in <c>Scripts/</c> and embedded.</summary>
internal static class RedisScripts
{
    /// <summary>Idempotency check, epoch, next sequence, the unpinning of the pinned item, append and trims of a publication.</summary>
    public static readonly string Publish = Load("write-common") + Load("publish");

    /// <summary>A correction or a retraction, compare-and-set on the item's version (and on the pinned item when it pins).</summary>
    public static readonly string Change = Load("write-common") + Load("change");

    /// <summary>What a write is made from: the item and its version, the pinned item and its version. Writes nothing.</summary>
    public static readonly string Item = ReadOnly + Load("write-common") + Load("item");

    /// <summary>The kept events of one item. Writes nothing.</summary>
    public static readonly string History = ReadOnly + Load("history");

    /// <summary>Whether a write whose answer never came happened, and its event.</summary>
    public static readonly string Outcome = Load("outcome");

    /// <summary>What answers several readers of a feed at once: the events after their positions, the latest items for a reset.</summary>
    public static readonly string Read = Load("read-common") + Load("read");

    /// <summary>A page of live items, newest first.</summary>
    public static readonly string List = Load("read-common") + Load("list");

    /// <summary>The feed's pinned item and newest key events, and the position they were read at.</summary>
    public static readonly string Highlights = Load("read-common") + Load("highlights");

    /// <summary>
    /// The first line of a script that writes nothing (Redis 7): Redis then runs it where writes wait or are refused
    /// (a replica, a paused or out-of-memory server), as it would the plain reads it replaces.
    /// </summary>
    private const string ReadOnly = "#!lua flags=no-writes\n";

    /// <summary>Stores a scheduled item, with its idempotency check.</summary>
    public static readonly string ScheduleAdd = Load("schedule-add");

    /// <summary>A feed's waiting scheduled items, soonest first.</summary>
    public static readonly string ScheduleList = ReadOnly + Load("schedule-list");

    /// <summary>Replaces a waiting scheduled item, compare-and-set.</summary>
    public static readonly string ScheduleReplace = Load("schedule-replace");

    /// <summary>Cancels a waiting scheduled item, atomic against a claim.</summary>
    public static readonly string ScheduleCancel = Load("schedule-cancel");

    /// <summary>Claims due scheduled items (and those whose lease ran out) for one lease.</summary>
    public static readonly string ScheduleClaim = Load("schedule-claim");

    /// <summary>Removes a published scheduled item.</summary>
    public static readonly string ScheduleComplete = Load("schedule-complete");

    private static string Load(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"LiveFeed.Feeds.Redis.Scripts.{name}.lua")
            ?? throw new InvalidOperationException($"The Lua script '{name}' is not embedded in {Assembly.GetExecutingAssembly().GetName().Name}.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
