using LiveFeed.Contracts;
using Microsoft.AspNetCore.SignalR.Client;

namespace LiveFeed.Client;

/// <summary>The real source of pages: the hub's <c>Subscribe</c> and the API's <c>GET .../events</c>.</summary>
internal sealed class HubFeedSource(HubConnection connection, NewsroomClient api) : IFeedSource
{
    public Task<FeedPage> SubscribeAsync(string feed, string? epoch, long? sequence, CancellationToken cancellationToken) =>
        connection.InvokeAsync<FeedPage>(FeedHubProtocol.Subscribe, feed, epoch, sequence, cancellationToken);

    public Task<FeedPage> ReadEventsAsync(string feed, string epoch, long after, CancellationToken cancellationToken) =>
        api.EventsAsync(feed, epoch, after, cancellationToken: cancellationToken);
}
