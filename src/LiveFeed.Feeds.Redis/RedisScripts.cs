using System.Reflection;

namespace LiveFeed.Feeds.Redis;

/// <summary>The Lua scripts of <see cref="RedisFeedStore"/>, kept as files in <c>Scripts/</c> and embedded.</summary>
internal static class RedisScripts
{
    /// <summary>Idempotency check, epoch, next sequence, append and trims of a publication.</summary>
    public static readonly string Publish = Load("publish");

    /// <summary>A correction or a retraction, compare-and-set on the item.</summary>
    public static readonly string Change = Load("change");

    /// <summary>Whether a write whose answer never came happened, and its event.</summary>
    public static readonly string Outcome = Load("outcome");

    /// <summary>What answers several readers of a feed at once: the events after their positions, the latest items for a reset.</summary>
    public static readonly string Read = Load("read-common") + Load("read");

    /// <summary>A page of live items, newest first.</summary>
    public static readonly string List = Load("read-common") + Load("list");

    private static string Load(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"LiveFeed.Feeds.Redis.Scripts.{name}.lua")
            ?? throw new InvalidOperationException($"The Lua script '{name}' is not embedded in {Assembly.GetExecutingAssembly().GetName().Name}.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
