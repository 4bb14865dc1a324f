using LiveFeed.Contracts;
using LiveFeed.Feeds;
using LiveFeed.Server.Logging;
using LiveFeed.Server.Metrics;
using Microsoft.AspNetCore.Http.Connections.Features;
using Microsoft.AspNetCore.SignalR;

namespace LiveFeed.Server.Hubs;

/// <summary>
/// The readers' hub (<c>/hubs/feed</c>). Anonymous. A reader subscribes to feeds and then receives
/// every later event of them through <see cref="IFeedClient.FeedEvent"/>.
/// </summary>
internal sealed class FeedHub(IFeedStore store, ReaderSubscriptions readers, LiveFeedMetrics metrics, ILogger<FeedHub> logger) : Hub<IFeedClient>
{
    /// <summary>
    /// Subscribes this connection to <paramref name="feed"/> and answers what the reader needs to
    /// catch up from its position (<paramref name="epoch"/>, <paramref name="sequence"/>), or a reset page.
    /// </summary>
    public async Task<FeedPage> Subscribe(string feed, string? epoch, long? sequence)
    {
        if (!FeedName.IsValid(feed))
        {
            throw new HubException($"'{Shorten(feed)}' is not a feed name: use {FeedName.Rule}.");
        }

        var subscriptions = Subscriptions();
        if (!subscriptions.Contains(feed) && subscriptions.Count >= FeedHubProtocol.MaxFeedsPerConnection)
        {
            throw new HubException(
                $"A connection can follow at most {FeedHubProtocol.MaxFeedsPerConnection} feeds: unsubscribe from one before subscribing to '{feed}'.");
        }

        // Join the group before reading the store: an event appended after the read is then sure to
        // be broadcast to this connection, and one appended before is in the page (or both: the
        // contract tells clients to drop what they have already applied).
        try
        {
            await Groups.AddToGroupAsync(Context.ConnectionId, FeedGroups.For(feed), Context.ConnectionAborted);
        }
        catch (StackExchange.Redis.RedisException)
        {
            // The backplane's Redis is away: joining means subscribing to the group's channel there.
            metrics.StoreError("hub");
            throw StoreUnreachable();
        }

        var added = subscriptions.Add(feed);

        FeedPosition? position = epoch is not null && sequence is not null ? new FeedPosition(epoch, sequence.Value) : null;
        FeedPage page;
        try
        {
            page = await store.ReadAsync(feed, position, int.MaxValue, Context.ConnectionAborted);
        }
        catch (FeedStoreUnavailableException)
        {
            // A failed Subscribe leaves no half subscription: no live events without the page they follow.
            if (added)
            {
                await Groups.RemoveFromGroupAsync(Context.ConnectionId, FeedGroups.For(feed), Context.ConnectionAborted);
                subscriptions.Remove(feed);
            }

            metrics.StoreError("hub");
            throw StoreUnreachable();
        }

        metrics.Subscribed(page, hadPosition: position is not null);
        LiveFeedLog.Subscribed(logger, Context.ConnectionId, feed, page.Reset ? "reset" : $"{page.Events.Count} events", page.Sequence);
        return page;
    }

    /// <summary>Stops sending this connection the events of <paramref name="feed"/>.</summary>
    public async Task Unsubscribe(string feed)
    {
        if (!FeedName.IsValid(feed))
        {
            throw new HubException($"'{Shorten(feed)}' is not a feed name: use {FeedName.Rule}.");
        }

        await Groups.RemoveFromGroupAsync(Context.ConnectionId, FeedGroups.For(feed), Context.ConnectionAborted);
        readers.Find(Context.ConnectionId)?.Remove(feed);
    }

    /// <inheritdoc />
    public override Task OnConnectedAsync()
    {
        var transport = Transport();
        metrics.ReaderConnected(transport);
        LiveFeedLog.ReaderConnected(logger, Context.ConnectionId, transport);

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public override Task OnDisconnectedAsync(Exception? exception)
    {
        readers.Forget(Context.ConnectionId);
        metrics.ReaderDisconnected(Transport());
        LiveFeedLog.ReaderDisconnected(logger, Context.ConnectionId, exception);
        return Task.CompletedTask;
    }

    // Hub instances live for one call; the subscriptions live as long as the connection. SignalR runs one
    // invocation per connection at a time (MaximumParallelInvocationsPerClient = 1), so no lock is needed.
    private FeedSubscriptions Subscriptions() => readers.Of(Context.ConnectionId);

    private string Transport() => Context.Features.Get<IHttpTransportFeature>()?.TransportType.ToString() ?? "unknown";

    private static HubException StoreUnreachable() =>
        new("The feed store cannot be reached right now: subscribe again in a few seconds.");

    private static string Shorten(string? text) =>
        text is null ? "null" : text.Length <= 80 ? text : string.Concat(text.AsSpan(0, 80), "…");
}
