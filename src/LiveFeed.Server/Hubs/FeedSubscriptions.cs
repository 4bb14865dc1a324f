using System.Collections.Concurrent;
using LiveFeed.Contracts;

namespace LiveFeed.Server.Hubs;

/// <summary>
/// The feeds one connection follows: at most <see cref="FeedHubProtocol.MaxFeedsPerConnection"/>, so a short
/// list, the smallest thing that holds them for every open connection.
/// </summary>
internal sealed class FeedSubscriptions
{
    private readonly List<string> _feeds = new(1);

    public int Count => _feeds.Count;

    public bool Contains(string feed) => _feeds.Contains(feed);

    /// <summary>Adds <paramref name="feed"/>; false when it was already there.</summary>
    public bool Add(string feed)
    {
        if (Contains(feed))
        {
            return false;
        }

        _feeds.Add(feed);
        return true;
    }

    /// <summary>Removes <paramref name="feed"/>; false when it was not there.</summary>
    public bool Remove(string feed) => _feeds.Remove(feed);
}

/// <summary>
/// Every open connection's <see cref="FeedSubscriptions"/>, by connection id. Kept here rather than on the
/// connection (its Items dictionary, or one more feature, which grows its feature table): this costs each
/// connection one dictionary node.
/// </summary>
internal sealed class ReaderSubscriptions
{
    private readonly ConcurrentDictionary<string, FeedSubscriptions> _byConnection = new(StringComparer.Ordinal);

    /// <summary>Connections with an entry (for tests and diagnostics).</summary>
    public int Connections => _byConnection.Count;

    /// <summary>The feeds <paramref name="connectionId"/> follows, made empty on first use.</summary>
    public FeedSubscriptions Of(string connectionId) => _byConnection.GetOrAdd(connectionId, static _ => new FeedSubscriptions());

    /// <summary>The feeds <paramref name="connectionId"/> follows, or null: never makes an entry (a call still running
    /// when its connection closed must not bring one back after <see cref="Forget"/>).</summary>
    public FeedSubscriptions? Find(string connectionId) => _byConnection.GetValueOrDefault(connectionId);

    /// <summary>Forgets a connection that closed; answers how many feeds it followed.</summary>
    public int Forget(string connectionId) => _byConnection.TryRemove(connectionId, out var subscriptions) ? subscriptions.Count : 0;
}
