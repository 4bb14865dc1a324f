using LiveFeed.Contracts;
using LiveFeed.Server.Hubs;
using LiveFeed.Server.Logging;
using LiveFeed.Server.Metrics;
using Microsoft.AspNetCore.SignalR;

namespace LiveFeed.Server.Broadcast;

/// <summary>
/// Sends the events this instance stored to the hub readers of their feed, in the order <see cref="StoredEvents"/>
/// hands them over. Writers hand events over in sequence order (see <see cref="Newsroom.NewsroomService"/>), so every
/// reader of this instance receives a feed's events in sequence order; with Redis, the SignalR backplane carries them
/// to the hub readers of the other instances (events stored elsewhere reach this instance's hub readers that way,
/// so they are not sent again here). The send never waits: each reader's connection writes into its own bounded
/// <see cref="ReaderOutbox"/>, so the group send is done once the event is queued for every reader, and a reader that
/// stops reading holds up no one (it is dropped instead).
/// </summary>
internal sealed class FeedBroadcaster(IHubContext<FeedHub, IFeedClient> hub, LiveFeedMetrics metrics, ILogger<FeedBroadcaster> logger) : IStoredEventListener
{
    public async ValueTask OnStoredEventAsync(FeedEvent feedEvent, bool storedHere)
    {
        if (!storedHere)
        {
            return;
        }

        await hub.Clients.Group(FeedGroups.For(feedEvent.Feed)).FeedEvent(feedEvent);
        metrics.Pushed();
        LiveFeedLog.Broadcast(logger, feedEvent.Feed, feedEvent.Sequence, feedEvent.Kind);
    }
}

internal static class FeedBroadcastHosting
{
    public static IServiceCollection AddFeedBroadcast(this IServiceCollection services)
    {
        services.AddSingleton<StoredEvents>();
        services.AddHostedService(provider => provider.GetRequiredService<StoredEvents>());
        services.AddSingleton<IStoredEventListener, FeedBroadcaster>();
        return services;
    }
}
