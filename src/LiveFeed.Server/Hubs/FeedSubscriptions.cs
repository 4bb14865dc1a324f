using System.Collections.Concurrent;
using LiveFeed.Contracts;
using LiveFeed.Server.Audience;

namespace LiveFeed.Server.Hubs;

/// <summary>
/// The feeds one connection follows: at most <see cref="FeedHubProtocol.MaxFeedsPerConnection"/>, so a short
/// list, the smallest thing that holds them for every open connection. Each change is counted in the feed's
/// <see cref="FeedAudience"/>. Once the connection has closed (<see cref="Close"/>) it takes no feed any more: a call
/// still running then must not leave a reader counted that has gone.
/// </summary>
internal sealed class FeedSubscriptions(FeedAudience audience)
{
    private readonly List<string> _feeds = new(1);
    private bool _closed;

    public int Count
    {
        get
        {
            lock (_feeds)
            {
                return _feeds.Count;
            }
        }
    }

    public bool Contains(string feed)
    {
        lock (_feeds)
        {
            return _feeds.Contains(feed);
        }
    }

    /// <summary>Adds <paramref name="feed"/>; false when it was already there, or the connection has closed.</summary>
    public bool Add(string feed)
    {
        lock (_feeds)
        {
            if (_closed || _feeds.Contains(feed))
            {
                return false;
            }

            _feeds.Add(feed);
            audience.Joined(feed);
            return true;
        }
    }

    /// <summary>Removes <paramref name="feed"/>; false when it was not there.</summary>
    public bool Remove(string feed)
    {
        lock (_feeds)
        {
            if (!_feeds.Remove(feed))
            {
                return false;
            }

            audience.Left(feed);
            return true;
        }
    }

    /// <summary>The connection has closed: it leaves every feed.</summary>
    public void Close()
    {
        lock (_feeds)
        {
            _closed = true;
            foreach (var feed in _feeds)
            {
                audience.Left(feed);
            }

            _feeds.Clear();
        }
    }
}

/// <summary>
/// Every open connection's <see cref="FeedSubscriptions"/>, by connection id. Kept here rather than on the
/// connection (its Items dictionary, or one more feature, which grows its feature table): this costs each
/// connection one dictionary node.
/// </summary>
internal sealed class ReaderSubscriptions(FeedAudience audience)
{
    private readonly ConcurrentDictionary<string, FeedSubscriptions> _byConnection = new(StringComparer.Ordinal);

    /// <summary>Connections with an entry (for tests and diagnostics).</summary>
    public int Connections => _byConnection.Count;

    /// <summary>The feeds <paramref name="connectionId"/> follows, made empty on first use.</summary>
    public FeedSubscriptions Of(string connectionId) => _byConnection.GetOrAdd(connectionId, static (_, audience) => new FeedSubscriptions(audience), audience);

    /// <summary>The feeds <paramref name="connectionId"/> follows, or null: never makes an entry (a call still running
    /// when its connection closed must not bring one back after <see cref="Forget"/>).</summary>
    public FeedSubscriptions? Find(string connectionId) => _byConnection.GetValueOrDefault(connectionId);

    /// <summary>Forgets a connection that closed: it leaves every feed it followed.</summary>
    public void Forget(string connectionId)
    {
        if (_byConnection.TryRemove(connectionId, out var subscriptions))
        {
            subscriptions.Close();
        }
    }
}
