using System.Threading.Channels;
using LiveFeed.Contracts;
using LiveFeed.Server.Logging;

namespace LiveFeed.Server.Broadcast;

/// <summary>
/// Something that hears every stored event through <see cref="StoredEvents"/>: the hub's broadcast, the relay to
/// other instances, the Server-Sent Events streams.
/// </summary>
internal interface IStoredEventListener
{
    /// <summary>
    /// One stored event, in the order <see cref="StoredEvents"/> has it. Must not wait for a reader: every listener's
    /// call for one event runs before the next event is handed to any listener.
    /// </summary>
    /// <param name="feedEvent">The event, as the store numbered it.</param>
    /// <param name="storedHere">True when this instance stored it; false when it was heard from another instance.</param>
    ValueTask OnStoredEventAsync(FeedEvent feedEvent, bool storedHere);
}

/// <summary>
/// The one internal stream of stored events on this instance: every event this instance stored (handed over by the
/// newsroom service, in sequence order per feed) and every event another instance stored (heard through
/// <see cref="Streams.RedisEventRelay"/>), handed to every <see cref="IStoredEventListener"/> by one loop, in the order
/// they arrived here. Handing over never waits. Whatever hears events (the hub's broadcast, the streams) hears them here,
/// never by calling the hub.
/// </summary>
internal sealed class StoredEvents(IServiceProvider services, ILogger<StoredEvents> logger) : BackgroundService
{
    private readonly Channel<(FeedEvent Event, bool StoredHere)> _queue = Channel.CreateUnbounded<(FeedEvent, bool)>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });

    /// <summary>An event this instance stored: after the store acknowledged it, in sequence order per feed.</summary>
    public void Stored(FeedEvent feedEvent) => _queue.Writer.TryWrite((feedEvent, true));

    /// <summary>An event another instance stored, as the relay heard it (in any order, perhaps twice, perhaps not at all).</summary>
    public void Heard(FeedEvent feedEvent) => _queue.Writer.TryWrite((feedEvent, false));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Resolved here, not injected: listeners (the relay) hand events to this stream themselves.
        var listeners = services.GetServices<IStoredEventListener>().ToArray();
        await foreach (var (feedEvent, storedHere) in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            foreach (var listener in listeners)
            {
                try
                {
                    await listener.OnStoredEventAsync(feedEvent, storedHere);
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    // The event is stored: readers that missed it get it when they resume or fill the gap.
                    LiveFeedLog.BroadcastFailed(logger, feedEvent.Feed, feedEvent.Sequence, exception);
                }
            }
        }
    }
}
