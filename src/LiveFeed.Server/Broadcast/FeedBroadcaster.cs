using System.Threading.Channels;
using LiveFeed.Contracts;
using LiveFeed.Server.Hubs;
using LiveFeed.Server.Logging;
using LiveFeed.Server.Metrics;
using Microsoft.AspNetCore.SignalR;

namespace LiveFeed.Server.Broadcast;

/// <summary>
/// Sends stored events to the readers of their feed, in the order they were handed over.
/// Writers hand events over in sequence order (see <see cref="Newsroom.NewsroomService"/>), so every
/// reader of this instance receives a feed's events in sequence order. Handing over never waits, and
/// neither does the send: each reader's connection writes into its own bounded <see cref="ReaderOutbox"/>,
/// so the group send is done once the event is queued for every reader, and a reader that stops reading
/// holds up no one (it is dropped instead).
/// </summary>
internal sealed class FeedBroadcaster(IHubContext<FeedHub, IFeedClient> hub, LiveFeedMetrics metrics, ILogger<FeedBroadcaster> logger) : BackgroundService
{
    private readonly Channel<FeedEvent> _queue = Channel.CreateUnbounded<FeedEvent>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });

    /// <summary>Hands a stored event to the broadcast.</summary>
    public void Enqueue(FeedEvent feedEvent) => _queue.Writer.TryWrite(feedEvent);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var feedEvent in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            try
            {
                await hub.Clients.Group(FeedGroups.For(feedEvent.Feed)).FeedEvent(feedEvent);
                metrics.Pushed();
                LiveFeedLog.Broadcast(logger, feedEvent.Feed, feedEvent.Sequence, feedEvent.Kind);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // The event is stored: readers that missed it get it when they resume or fill the gap.
                LiveFeedLog.BroadcastFailed(logger, feedEvent.Feed, feedEvent.Sequence, exception);
            }
        }
    }
}

internal static class FeedBroadcastHosting
{
    public static IServiceCollection AddFeedBroadcast(this IServiceCollection services)
    {
        services.AddSingleton<FeedBroadcaster>();
        services.AddHostedService(provider => provider.GetRequiredService<FeedBroadcaster>());
        return services;
    }
}
