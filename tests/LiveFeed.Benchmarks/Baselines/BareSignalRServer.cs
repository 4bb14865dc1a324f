using System.Text.Json;
using LiveFeed.Contracts;
using Microsoft.AspNetCore.SignalR;

namespace LiveFeed.Benchmarks.Baselines;

/// <summary>
/// The framework's ceiling: a stock SignalR hub that only broadcasts. <c>Subscribe</c> joins a group;
/// <c>POST /api/feeds/{feed}/items</c> numbers the item and sends the same <see cref="FeedEvent"/> LiveFeed
/// sends to the group, keeping the request open until SignalR has queued every send (what stock code does).
/// <c>Subscribe</c> answers a reset page with the latest items, as LiveFeed's does for a new reader, from memory.
/// No store, no validation, no authentication. With <c>--redis</c>, the SignalR Redis backplane joins instances.
/// </summary>
internal static class BareSignalRServer
{
    public static async Task<int> RunAsync(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information);
        var signalR = builder.Services.AddSignalR().AddJsonProtocol().AddMessagePackProtocol();
        if (builder.Configuration["redis"] is { Length: > 0 } redis)
        {
            signalR.AddStackExchangeRedis(redis);
        }

        builder.Services.AddSingleton<Sequencer>();

        var app = builder.Build();
        app.MapHub<BareFeedHub>(FeedHubProtocol.Path);
        app.MapGet("/health/live", () => "ok");
        app.MapGet("/metrics", () => Servers.RuntimeCounters.Lines());
        app.MapPost("/api/feeds/{feed}/items", PublishAsync);
        await app.RunAsync();
        return 0;
    }

    private static async Task<IResult> PublishAsync(string feed, HttpRequest request, Sequencer sequencer, IHubContext<BareFeedHub> hub)
    {
        var content = await JsonSerializer.DeserializeAsync<ItemRequest>(request.Body, BaselineJson.Options, request.HttpContext.RequestAborted)
            ?? throw new BadHttpRequestException("no item");

        // One publish at a time, so that every reader gets the feed's events in sequence order.
        await sequencer.Gate.WaitAsync(request.HttpContext.RequestAborted);
        try
        {
            var feedEvent = BaselineEvents.Published(feed, sequencer.Latest.Sequence + 1, content);
            sequencer.Latest = new LatestItems(feedEvent.Sequence, [feedEvent.Item, .. sequencer.Latest.Items.Take(LatestItems.Count - 1)]);
            await hub.Clients.Group(feed).SendAsync(FeedHubProtocol.FeedEvent, feedEvent);
            return Results.Created($"/api/feeds/{feed}/items/{feedEvent.Item.Id}", feedEvent.Item);
        }
        finally
        {
            sequencer.Gate.Release();
        }
    }

}

/// <summary>One publish at a time, and the latest items with the sequence they stand at.</summary>
internal sealed class Sequencer : IDisposable
{
    public SemaphoreSlim Gate { get; } = new(1, 1);

    /// <summary>Replaced whole under <see cref="Gate"/>, read without it.</summary>
    public LatestItems Latest { get; set; } = new(0, []);

    public void Dispose() => Gate.Dispose();
}

/// <summary>The feed's sequence and its latest items, newest first (as many as LiveFeed's reset page holds by default).</summary>
internal sealed record LatestItems(long Sequence, IReadOnlyList<FeedItem> Items)
{
    public const int Count = 50;
}

/// <summary>The bare hub: Subscribe joins the feed's group and answers a reset page with the latest items.</summary>
internal sealed class BareFeedHub(Sequencer sequencer) : Hub
{
    public async Task<FeedPage> Subscribe(string feed, string? epoch, long? sequence)
    {
        // Joined first, then read: as LiveFeed, an event published meanwhile is in the page, comes live, or both.
        await Groups.AddToGroupAsync(Context.ConnectionId, feed);
        var latest = sequencer.Latest;
        return new FeedPage { Feed = feed, Epoch = BaselineEvents.Epoch, Sequence = latest.Sequence, Reset = true, Items = latest.Items, Events = [] };
    }
}
