using System.Text.Json;
using LiveFeed.Contracts;
using Microsoft.AspNetCore.SignalR;

namespace LiveFeed.Benchmarks.Baselines;

/// <summary>
/// The framework's ceiling: a stock SignalR hub that only broadcasts. <c>Subscribe</c> joins a group;
/// <c>POST /api/feeds/{feed}/items</c> numbers the item and sends the same <see cref="FeedEvent"/> LiveFeed
/// sends to the group, keeping the request open until SignalR has queued every send (what stock code does).
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
            var feedEvent = BaselineEvents.Published(feed, ++sequencer.Sequence, content);
            await hub.Clients.Group(feed).SendAsync(FeedHubProtocol.FeedEvent, feedEvent);
            return Results.Created($"/api/feeds/{feed}/items/{feedEvent.Item.Id}", feedEvent.Item);
        }
        finally
        {
            sequencer.Gate.Release();
        }
    }

    private sealed class Sequencer : IDisposable
    {
        public void Dispose() => Gate.Dispose();

        public SemaphoreSlim Gate { get; } = new(1, 1);

        public long Sequence { get; set; }
    }
}

/// <summary>The bare hub: Subscribe joins the feed's group and answers an empty page.</summary>
internal sealed class BareFeedHub : Hub
{
    public async Task<FeedPage> Subscribe(string feed, string? epoch, long? sequence)
    {
        await Groups.AddToGroupAsync(Context.ConnectionId, feed);
        return new FeedPage { Feed = feed, Epoch = BaselineEvents.Epoch, Sequence = 0, Reset = true, Items = [], Events = [] };
    }
}
