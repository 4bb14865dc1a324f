using System.Text.Json;
using LiveFeed.Contracts;
using LiveFeed.Tests.Infrastructure;
using LiveFeed.Tests.Pages;

namespace LiveFeed.Tests.Streams;

/// <summary>The stream as a browser's own <c>EventSource</c> reads it (headless Chromium), across a server's death.</summary>
[Collection(BrowserTests.Name)]
public sealed class EventSourceBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task ChromiumsEventSourceShowsLiveItemsAndAfterItsServerIsKilledResumesByItselfMissingNothing()
    {
        await using var redis = await RedisServer.StartNewAsync(appendOnly: true);
        await using var server = new LiveFeedProcess(RedisSettings.For(redis));
        await server.StartAsync();
        using var other = new LiveFeedServer(RedisSettings.For(redis));
        var feed = NewsroomRequests.UniqueFeed("browser");
        using (var newsroom = server.CreateNewsroomClient())
        {
            await newsroom.PublishAsync(feed, "Before the page");
        }

        var page = await browser.NewPageAsync();
        var streamRequests = new List<Microsoft.Playwright.IRequest>();
        page.Request += (_, request) =>
        {
            if (request.Url.EndsWith($"/api/feeds/{feed}/stream", StringComparison.Ordinal))
            {
                lock (streamRequests)
                {
                    streamRequests.Add(request);
                }
            }
        };
        await page.GotoAsync(new Uri(server.BaseAddress, "/health/live").ToString());
        await page.EvaluateAsync(
            """
            feed => {
              window.received = [];
              const source = new EventSource(`/api/feeds/${feed}/stream`);
              for (const type of ["reset", "published", "corrected", "retracted"]) {
                source.addEventListener(type, e => window.received.push({ type: e.type, id: e.lastEventId, data: e.data }));
              }
              window.source = source;
            }
            """,
            feed);

        var reset = (await ReceivedAsync(page, 1))[0];
        Assert.Equal("reset", reset.Type);
        Assert.Equal(["Before the page"], JsonSerializer.Deserialize<FeedPage>(reset.Data, Json)!.Items.Select(item => item.Headline));

        using (var newsroom = server.CreateNewsroomClient())
        {
            await newsroom.PublishAsync(feed, "Live");
        }

        Assert.Equal("Live", Event((await ReceivedAsync(page, 2))[1]).Item.Headline);

        // The server dies; the newsroom goes on through another instance meanwhile; the server comes back on its port.
        await server.KillAsync();
        using (var newsroom = other.CreateNewsroomClient())
        {
            await newsroom.PublishAsync(feed, "While away 1");
            await newsroom.PublishAsync(feed, "While away 2");
        }

        await server.StartAsync();

        // EventSource reconnects by itself, sends the id of the last event it had, and gets exactly what it missed.
        var received = await ReceivedAsync(page, 4, timeout: 40_000);
        using (var newsroom = server.CreateNewsroomClient())
        {
            await newsroom.PublishAsync(feed, "Live again");
        }

        received = await ReceivedAsync(page, 5);
        Assert.Equal(["reset", "published", "published", "published", "published"], received.Select(r => r.Type));
        var events = received.Skip(1).Select(Event).ToList();
        Assert.Equal(["Live", "While away 1", "While away 2", "Live again"], events.Select(e => e.Item.Headline));
        Assert.Equal([2L, 3, 4, 5], events.Select(e => e.Sequence));
        Assert.Equal(events.Select(e => $"{e.Epoch}:{e.Sequence}"), received.Skip(1).Select(r => r.Id));
        Microsoft.Playwright.IRequest[] requests;
        lock (streamRequests)
        {
            requests = [.. streamRequests];
        }

        var lastEventIds = new List<string?>();
        foreach (var request in requests)
        {
            lastEventIds.Add((await request.AllHeadersAsync()).GetValueOrDefault("last-event-id"));
        }

        Assert.Null(lastEventIds[0]);
        Assert.Contains($"{events[0].Epoch}:2", lastEventIds.Skip(1));
    }

    private static FeedEvent Event(Received received) => JsonSerializer.Deserialize<FeedEvent>(received.Data, Json)!;

    /// <summary>Waits until the page has received at least <paramref name="count"/> events; answers them all.</summary>
    private static async Task<List<Received>> ReceivedAsync(Microsoft.Playwright.IPage page, int count, float timeout = BrowserFixture.Timeout)
    {
        await page.WaitForFunctionAsync("n => window.received.length >= n", count, new() { Timeout = timeout });
        return JsonSerializer.Deserialize<List<Received>>(await page.EvaluateAsync<string>("() => JSON.stringify(window.received)"), Json)!;
    }

    private sealed record Received(string Type, string Id, string Data);
}
