using LiveFeed.Contracts;
using LiveFeed.Feeds;
using LiveFeed.Server.Logging;

namespace LiveFeed.Server.Streams;

/// <summary>
/// One feed's events in sequence order, with no gap and no repeat, for this instance's streams of that feed. Events
/// arrive here as this instance hears them: its own in sequence order, other instances' in any order, perhaps twice,
/// perhaps not at all (an instance killed after storing, Redis pub/sub lost during an outage). An event after a gap
/// is held for <see cref="StreamTiming.GapHold"/> while the missing ones arrive; then the missing ones are read from
/// the store, once for all the feed's streams. A feed whose log this instance can no longer follow with events (a new
/// epoch, or a gap older than the kept events) starts over: every stream gets a reset.
/// <para>
/// Its position is that of the first stream that joined, taken from the page that stream read after joining; from
/// then on every stream of the feed, joined before its own read, sees every later event: none is lost between a
/// stream's read and its live events.
/// </para>
/// </summary>
internal sealed class FeedSequence(string feed, IFeedStore store, EventStreamRecords records, StreamTiming timing, ILogger logger)
{
    // Events from the store at a time: a fill after a long outage comes in pieces.
    private const int FillBatch = 1000;

    private readonly Lock _gate = new();
    private readonly List<FeedStream> _streams = [];
    private readonly SortedList<long, FeedEvent> _held = [];
    private FeedPosition? _at;
    private bool _closed;
    private bool _filling;
    private bool _check;

    public string Feed => feed;

    /// <summary>Adds a stream; false when the sequence has closed (its last stream left): join a new one.</summary>
    public bool TryJoin(FeedStream stream)
    {
        lock (_gate)
        {
            if (_closed)
            {
                return false;
            }

            _streams.Add(stream);
            return true;
        }
    }

    /// <summary>Removes a stream; true when it was the last one and the sequence is now closed.</summary>
    public bool Leave(FeedStream stream)
    {
        lock (_gate)
        {
            _streams.Remove(stream);
            _closed = _streams.Count == 0;
            return _closed;
        }
    }

    /// <summary>A stream read <paramref name="page"/> after joining: it writes it, and the sequence knows where it is.</summary>
    public void Started(FeedStream stream, ReadOnlySpan<byte> first, FeedPage page)
    {
        var pageRecords = records.Page(page);
        lock (_gate)
        {
            stream.Start(first, page, pageRecords);
            if (_at is null)
            {
                _at = new FeedPosition(page.Epoch, page.Sequence);
                DeliverHeld();
            }
            else if (_at.Value.Epoch != page.Epoch)
            {
                // The store has started the feed over and no event has told the sequence yet.
                _check = true;
                Fill(TimeSpan.Zero);
            }
        }
    }

    /// <summary>An event of this feed, from this instance or another.</summary>
    public void Heard(FeedEvent feedEvent)
    {
        lock (_gate)
        {
            if (_at is not { } at)
            {
                // Before the first stream's page: held until it is known which of these the page covers.
                _held.TryAdd(feedEvent.Sequence, feedEvent);
                return;
            }

            if (feedEvent.Epoch != at.Epoch)
            {
                // An old event heard late (the store has nothing new), or the log was lost (the store answers a reset).
                _check = true;
                Fill(TimeSpan.Zero);
            }
            else if (feedEvent.Sequence == at.Sequence + 1)
            {
                Deliver(feedEvent);
                DeliverHeld();
            }
            else if (feedEvent.Sequence > at.Sequence)
            {
                _held.TryAdd(feedEvent.Sequence, feedEvent);
                Fill(timing.GapHold);
            }
        }
    }

    /// <summary>Asks the store whether this instance missed events (its relay from other instances may lose some).</summary>
    public void Check()
    {
        lock (_gate)
        {
            if (_at is not null)
            {
                _check = true;
                Fill(TimeSpan.Zero);
            }
        }
    }

    /// <summary>A comment line to every stream.</summary>
    public void KeepAlive()
    {
        lock (_gate)
        {
            foreach (var stream in _streams)
            {
                stream.KeepAlive();
            }
        }
    }

    private void Deliver(FeedEvent feedEvent)
    {
        var record = records.Event(feedEvent);
        foreach (var stream in _streams)
        {
            stream.Deliver(feedEvent, record);
        }

        _at = new FeedPosition(feedEvent.Epoch, feedEvent.Sequence);
    }

    /// <summary>Delivers the held events that now follow on; forgets those already passed.</summary>
    private void DeliverHeld()
    {
        while (_held.Count > 0 && _at is { } at)
        {
            var (sequence, feedEvent) = (_held.Keys[0], _held.Values[0]);
            if (sequence > at.Sequence + 1)
            {
                return;
            }

            _held.RemoveAt(0);
            if (sequence == at.Sequence + 1 && feedEvent.Epoch == at.Epoch)
            {
                Deliver(feedEvent);
            }
        }
    }

    /// <summary>Starts a fill after <paramref name="delay"/>, unless one runs.</summary>
    private void Fill(TimeSpan delay)
    {
        if (!_filling)
        {
            _filling = true;
            _ = FillAsync(delay);
        }
    }

    private async Task FillAsync(TimeSpan delay)
    {
        await Task.Delay(delay);
        while (true)
        {
            FeedPosition at;
            lock (_gate)
            {
                if (_closed || _at is null || (_held.Count == 0 && !_check))
                {
                    _filling = false;
                    return;
                }

                at = _at.Value;
                _check = false;
            }

            FeedPage page;
            try
            {
                page = await store.ReadAsync(feed, at, FillBatch, CancellationToken.None);
            }
            catch (Exception exception) when (exception is FeedStoreUnavailableException or OperationCanceledException)
            {
                LiveFeedLog.StreamFillFailed(logger, feed, at.Sequence, exception);
                lock (_gate)
                {
                    _check = true;
                }

                await Task.Delay(timing.GapHold);
                continue;
            }

            lock (_gate)
            {
                Apply(at, page);
            }
        }
    }

    private void Apply(FeedPosition readFrom, FeedPage page)
    {
        if (_at != readFrom)
        {
            // Events arrived while the store was read: read again from where the sequence is now.
            _check = true;
            return;
        }

        if (page.Reset)
        {
            LiveFeedLog.StreamsReset(logger, feed, page.Epoch, page.Sequence);
            _at = new FeedPosition(page.Epoch, page.Sequence);
            var record = records.Reset(page);
            foreach (var stream in _streams)
            {
                stream.Reset(page, record);
            }

            DeliverHeld();
            return;
        }

        foreach (var feedEvent in page.Events)
        {
            if (feedEvent.Sequence == _at.Value.Sequence + 1)
            {
                Deliver(feedEvent);
            }
        }

        DeliverHeld();

        // More than one batch behind: read on. Caught up: what is still held is not in the feed's log (an event of an
        // older epoch heard late).
        _check = page.Sequence > _at.Value.Sequence;
        if (!_check)
        {
            _held.Clear();
        }
    }
}
