using System.Collections.Concurrent;
using LiveFeed.Contracts;
using LiveFeed.Feeds;
using LiveFeed.Server.Audience;
using LiveFeed.Server.Broadcast;

namespace LiveFeed.Server.Streams;

/// <summary>
/// This instance's Server-Sent Events streams, by feed: one <see cref="FeedSequence"/> per feed that has a stream. It
/// hears every stored event through <see cref="StoredEvents"/> (this instance's and, with Redis, every other
/// instance's) and sends a comment line to every stream every <see cref="StreamTiming.KeepAlive"/>. Each stream counts
/// in its feed's <see cref="FeedAudience"/> from joining to leaving.
/// </summary>
internal sealed class FeedStreams(IFeedStore store, EventStreamRecords records, StreamTiming timing, FeedAudience audience, ILogger<FeedStreams> logger)
    : BackgroundService, IStoredEventListener
{
    private readonly ConcurrentDictionary<string, FeedSequence> _feeds = new(StringComparer.Ordinal);

    /// <summary>Feeds with at least one stream here.</summary>
    public int Feeds => _feeds.Count;

    /// <summary>Adds <paramref name="stream"/> to its feed's sequence: from now on it is handed every later event.</summary>
    public FeedSequence Join(FeedStream stream)
    {
        while (true)
        {
            var sequence = _feeds.GetOrAdd(stream.Feed, feed => new FeedSequence(feed, store, records, timing, logger));
            if (sequence.TryJoin(stream))
            {
                audience.Joined(stream.Feed);
                return sequence;
            }

            // Its last stream left just now: that sequence is gone; make a new one.
            _feeds.TryRemove(KeyValuePair.Create(stream.Feed, sequence));
        }
    }

    public void Leave(FeedSequence sequence, FeedStream stream)
    {
        audience.Left(stream.Feed);
        if (sequence.Leave(stream))
        {
            _feeds.TryRemove(KeyValuePair.Create(sequence.Feed, sequence));
        }
    }

    /// <summary>Asks the store, for every followed feed, whether this instance missed events from other instances.</summary>
    public void CheckStore()
    {
        foreach (var sequence in _feeds.Values)
        {
            sequence.Check();
        }
    }

    public ValueTask OnStoredEventAsync(FeedEvent feedEvent, bool storedHere)
    {
        if (_feeds.TryGetValue(feedEvent.Feed, out var sequence))
        {
            sequence.Heard(feedEvent);
        }

        return ValueTask.CompletedTask;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // One timer for every stream: a quiet stream costs no timer of its own.
        using var timer = new PeriodicTimer(timing.KeepAlive);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            foreach (var sequence in _feeds.Values)
            {
                sequence.KeepAlive();
            }
        }
    }
}
