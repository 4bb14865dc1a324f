namespace LiveFeed.Server.Audience;

/// <summary>
/// This instance's readers by feed, right now: each hub connection subscribed to the feed, and each Server-Sent Events
/// stream of it. Counted where a reader starts and stops following a feed (a Subscribe, an Unsubscribe, a connection
/// closing, a stream joining and leaving its feed), never on the path of a delivery. A reader following three feeds
/// counts once in each.
/// </summary>
internal sealed class FeedAudience
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, int> _readers = new(StringComparer.Ordinal);
    private long _total;

    /// <summary>Readers following any feed here (a reader following three feeds counts three times).</summary>
    public long Total => Interlocked.Read(ref _total);

    /// <summary>Readers following <paramref name="feed"/> here.</summary>
    public int Of(string feed)
    {
        lock (_gate)
        {
            return _readers.GetValueOrDefault(feed);
        }
    }

    public void Joined(string feed)
    {
        lock (_gate)
        {
            _readers[feed] = _readers.GetValueOrDefault(feed) + 1;
            _total++;
        }
    }

    public void Left(string feed)
    {
        lock (_gate)
        {
            if (!_readers.TryGetValue(feed, out var readers))
            {
                return;
            }

            if (readers <= 1)
            {
                _readers.Remove(feed);
            }
            else
            {
                _readers[feed] = readers - 1;
            }

            _total--;
        }
    }

    /// <summary>Every feed with readers here, with their number.</summary>
    public KeyValuePair<string, int>[] Snapshot()
    {
        lock (_gate)
        {
            return [.. _readers];
        }
    }
}
