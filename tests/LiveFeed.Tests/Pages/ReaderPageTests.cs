using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using LiveFeed.Server.Newsroom;
using LiveFeed.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace LiveFeed.Tests.Pages;

/// <summary>The reader page (<c>/</c>) and the widget in headless Chromium, against a real server.</summary>
[Collection(BrowserTests.Name)]
public sealed partial class ReaderPageTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IDisposable
{
    // "Within 1 s" in the issue: waited for, with a bound that a busy two-core machine keeps.
    private static readonly LocatorAssertionsToHaveCountOptions Promptly = new() { Timeout = 5_000 };

    // Reconnect attempts wait at random up to 1, 2, 4, 8, 16 s, then up to 30 s; a server starts in a few seconds.
    private static readonly LocatorAssertionsToHaveAttributeOptions Reconnected = new() { Timeout = 30_000 };

    private readonly LiveFeedServer _server = new();

    [Theory]
    [InlineData("json")]
    [InlineData("messagepack")]
    public async Task AnItemPostedThroughTheApiAppearsOnTheReaderPage(string protocol)
    {
        var feed = NewsroomRequests.UniqueFeed("reader");
        var messagePackFrames = 0;
        var page = await browser.NewPageAsync();
        page.WebSocket += (_, socket) => socket.FrameReceived += (_, frame) =>
        {
            // JSON hub messages are text starting with '{'; MessagePack's start with a length prefix.
            var payload = frame.Binary ?? System.Text.Encoding.UTF8.GetBytes(frame.Text ?? "");
            if (payload.Length > 0 && payload[0] != (byte)'{')
            {
                Interlocked.Increment(ref messagePackFrames);
            }
        };
        await OpenReaderAsync(page, _server.BaseAddress, feed, protocol);
        using var newsroom = _server.CreateNewsroomClient();

        await newsroom.PublishAsync(feed, new
        {
            headline = "Ukraine downs 2 Russian helicopters in sea drone attack",
            body = "The navy says both were hit over the Black Sea.",
            priority = "flash",
            tags = new[] { "ukraine", "defence" },
            link = "https://news.example/helicopters",
        });

        var item = page.Locator(".lf-item");
        await Expect(item).ToHaveCountAsync(1, Promptly);
        await Expect(item.Locator(".lf-headline")).ToHaveTextAsync("Ukraine downs 2 Russian helicopters in sea drone attack");
        await Expect(item.Locator(".lf-body")).ToHaveTextAsync("The navy says both were hit over the Black Sea.");
        await Expect(item.Locator(".lf-priority")).ToHaveTextAsync("Flash");
        await Expect(item.Locator(".lf-tag")).ToHaveTextAsync(["ukraine", "defence"]);
        await Expect(item.GetByRole(AriaRole.Link, new() { Name = "Read more at news.example" }))
            .ToHaveAttributeAsync("href", "https://news.example/helicopters");
        await Expect(item.Locator("time")).ToHaveTextAsync(ClockTime());
        await Expect(item.Locator("time")).ToHaveAttributeAsync("title", new Regex(@"\d{4} at \d{1,2}:\d{2}:\d{2}"));
        await Expect(item.Locator(".lf-age")).ToHaveTextAsync("just now");

        // The protocol asked for is the one on the wire.
        if (protocol == "messagepack")
        {
            Assert.True(messagePackFrames > 0, "the hub's messages came as MessagePack");
        }
        else
        {
            Assert.Equal(0, messagePackFrames);
        }
    }

    [Fact]
    public async Task ACorrectionReplacesTheTextAndARetractionRemovesTheItem()
    {
        var feed = NewsroomRequests.UniqueFeed("reader");
        var page = await browser.NewPageAsync();
        await OpenReaderAsync(page, _server.BaseAddress, feed);
        using var newsroom = _server.CreateNewsroomClient();
        var kept = await newsroom.PublishAsync(feed, "Markets open higher");
        var item = await newsroom.PublishAsync(feed, "Minister to resign after vote");
        await Expect(page.Locator(".lf-item")).ToHaveCountAsync(2, Promptly);

        using (var corrected = await newsroom.PutAsJsonAsync($"/api/feeds/{feed}/items/{item.Id}", new { headline = "Minister resigns after vote", body = "Confirmed by her office." }))
        {
            Assert.Equal(HttpStatusCode.OK, corrected.StatusCode);
        }

        var entry = page.Locator($".lf-item[data-id='{item.Id}']");
        await Expect(entry.Locator(".lf-headline")).ToHaveTextAsync("Minister resigns after vote");
        await Expect(entry.Locator(".lf-body")).ToHaveTextAsync("Confirmed by her office.");
        await Expect(entry.Locator(".lf-updated")).ToHaveTextAsync(new Regex(@"^Updated \d{1,2}:\d{2} [AP]M$"));
        await Expect(page.Locator(".lf-items").GetByText("Minister to resign after vote")).ToHaveCountAsync(0);
        await Expect(page.Locator(".lf-item").First).ToHaveAttributeAsync("data-id", item.Id); // still newest first

        using (var retracted = await newsroom.DeleteAsync($"/api/feeds/{feed}/items/{item.Id}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, retracted.StatusCode);
        }

        await Expect(entry).ToHaveCountAsync(0);
        await Expect(page.Locator(".lf-item")).ToHaveCountAsync(1);
        await Expect(page.Locator(".lf-item .lf-headline")).ToHaveTextAsync(kept.Headline);

        // A screen reader hears each change once, and never the ages and times that tick every 15 s:
        // they are outside the page's only live region.
        await Expect(page.Locator("[aria-live]")).ToHaveCountAsync(1);
        await Expect(page.Locator("[aria-live] p")).ToHaveTextAsync([
            "New: Markets open higher", "New: Minister to resign after vote", "Updated: Minister resigns after vote", "Retracted: Minister resigns after vote",
        ]);
        Assert.Equal(0, await page.Locator("[aria-live] .lf-age, [aria-live] time").CountAsync());
        Assert.Equal(1, await page.Locator(".lf-item .lf-age").CountAsync());
    }

    [Fact]
    public async Task AHostileHeadlineRendersAsTextAndRunsNoScript()
    {
        var feed = NewsroomRequests.UniqueFeed("reader");
        var page = await browser.NewPageAsync();
        var dialogs = BrowserFixture.CountDialogs(page);
        var cspViolations = BrowserFixture.CollectPolicyRefusals(page);
        var response = await OpenReaderAsync(page, _server.BaseAddress, feed);
        using var newsroom = _server.CreateNewsroomClient();

        const string Headline = "<img src=x onerror=alert(1)>";
        await newsroom.PublishAsync(feed, new { headline = Headline, body = "<script>alert(2)</script><b>bold?</b>", tags = new[] { "<i>x</i>" } });

        var item = page.Locator(".lf-item");
        await Expect(item).ToHaveCountAsync(1, Promptly);
        await Expect(item.Locator(".lf-headline")).ToHaveTextAsync(Headline);
        await Expect(item.Locator(".lf-body")).ToHaveTextAsync("<script>alert(2)</script><b>bold?</b>");
        await Expect(item.Locator(".lf-tag")).ToHaveTextAsync("<i>x</i>");
        // No element was made from the text, so nothing in it can run.
        Assert.Equal(0, await page.Locator("img, script:not([src]):not([type='application/ld+json']), b, i").CountAsync());
        Assert.Equal(0, dialogs());

        // The page works under a strict policy: no inline script, nothing refused.
        var policy = await response.HeaderValueAsync("content-security-policy");
        Assert.NotNull(policy);
        Assert.Contains("script-src 'self'", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", policy, StringComparison.Ordinal);
        Assert.Equal("nosniff", await response.HeaderValueAsync("x-content-type-options"));
        Assert.NotNull(await response.HeaderValueAsync("referrer-policy"));
        lock (cspViolations)
        {
            Assert.Empty(cspViolations);
        }
    }

    [Fact]
    public async Task WhenTheReaderHasScrolledDownNewItemsWaitBehindAButton()
    {
        var feed = NewsroomRequests.UniqueFeed("reader");
        using var newsroom = _server.CreateNewsroomClient();
        for (var i = 1; i <= 25; i++)
        {
            await newsroom.PublishAsync(feed, new { headline = $"Earlier update number {i}", body = "A line of text so that the column is long." });
        }

        var page = await browser.NewPageAsync(height: 700);
        await OpenReaderAsync(page, _server.BaseAddress, feed);
        await Expect(page.Locator(".lf-item")).ToHaveCountAsync(25);
        await page.Locator(".lf-item").Last.ScrollIntoViewIfNeededAsync();
        var scrolledTo = await page.EvaluateAsync<double>("() => window.scrollY");
        Assert.True(scrolledTo > 500, $"the page scrolled down ({scrolledTo} px)");
        var readingAt = await LastItemTopAsync(page);

        await newsroom.PublishAsync(feed, "Breaking while you read");

        var button = page.GetByRole(AriaRole.Button, new() { Name = "1 new item" });
        await Expect(button).ToBeVisibleAsync();
        // The button is as tall as its text: not squashed by the bar it floats in.
        Assert.True(
            await button.EvaluateAsync<bool>("b => b.scrollHeight <= b.clientHeight + 1 && b.clientHeight >= 20"),
            $"the button's text fits in it ({await button.EvaluateAsync<string>("b => b.clientHeight + ' of ' + b.scrollHeight")} px)");
        await Expect(page.GetByText("Breaking while you read")).ToHaveCountAsync(0);
        // Nothing moved under the reader's eyes.
        Assert.Equal(scrolledTo, await page.EvaluateAsync<double>("() => window.scrollY"));
        Assert.Equal(readingAt, await LastItemTopAsync(page));

        await button.ClickAsync();

        await Expect(page.Locator(".lf-item").First.Locator(".lf-headline")).ToHaveTextAsync("Breaking while you read");
        await Expect(button).ToBeHiddenAsync();
        await Expect(page.Locator(".lf-item")).ToHaveCountAsync(26);
    }

    [Fact]
    public async Task TheWidgetRendersTheFeedInsideANewsSitesOwnPage()
    {
        var feed = NewsroomRequests.UniqueFeed("widget");
        var widget = new Uri(_server.BaseAddress, "/widget.js");
        // The news site: its own server and origin (localhost, not 127.0.0.1), one script tag from LiveFeed.
        await using var site = await NewsSiteAsync($"""
            <!doctype html><html lang="en"><head><title>The Daily Example</title></head>
            <body><h1>Our story</h1><aside><script src="{widget}" data-feed="{feed}" data-title="Live updates" async></script></aside></body></html>
            """);
        var page = await browser.NewPageAsync();
        await page.GotoAsync(new Uri(site.Address, "/our-story").ToString());
        await Expect(page.Locator(".lf-status")).ToHaveAttributeAsync("data-state", "live");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Live updates" })).ToBeVisibleAsync();
        using var newsroom = _server.CreateNewsroomClient();

        await newsroom.PublishAsync(feed, "Embedded and live");

        await Expect(page.Locator(".lf-item .lf-headline")).ToHaveTextAsync("Embedded and live", new() { Timeout = 5_000 });
        // It lives in its own shadow root: the site's styles and the column's stay apart.
        Assert.True(await page.EvaluateAsync<bool>("() => document.querySelector('.livefeed-widget').shadowRoot !== null"));
    }

    [Fact]
    public async Task TheWidgetRendersIntoATargetThatComesLaterInThePage()
    {
        var feed = NewsroomRequests.UniqueFeed("widget");
        using var newsroom = _server.CreateNewsroomClient();
        await newsroom.PublishAsync(feed, "Rendered into the sidebar");
        var widget = new Uri(_server.BaseAddress, "/widget.js");
        // A plain tag in the head runs before the body, and so before its target, is parsed.
        await using var site = await NewsSiteAsync($"""
            <!doctype html><html lang="en"><head><title>The Daily Example</title>
            <script src="{widget}" data-feed="{feed}" data-target="sidebar"></script></head>
            <body><h1>Our story</h1><main><p>Text.</p></main><aside id="sidebar"><h2>Live</h2></aside></body></html>
            """);
        var page = await browser.NewPageAsync();
        await page.GotoAsync(new Uri(site.Address, "/our-story").ToString());

        var column = page.Locator("#sidebar > .livefeed-widget");
        await Expect(column.Locator(".lf-item .lf-headline")).ToHaveTextAsync("Rendered into the sidebar");
        await Expect(column.Locator(".lf-status")).ToHaveAttributeAsync("data-state", "live");
        Assert.Equal(1, await page.Locator(".livefeed-widget").CountAsync());
    }

    [Fact]
    public async Task AnItemPostedToAnotherInstanceWhileTheReadersServerWasDownShowsOnceWhenItComesBack()
    {
        // Two instances on one Redis. The reader's instance is killed; an item is posted to the
        // other; the reader's instance comes back on its port. The page reconnects by itself,
        // resumes from its last position and shows the missed item, once, beside what it had.
        await using var redis = await RedisServer.StartNewAsync();
        await using var readers = new LiveFeedProcess(RedisSettings.For(redis));
        await using var other = new LiveFeedProcess(RedisSettings.For(redis));
        await Task.WhenAll(readers.StartAsync(), other.StartAsync());
        var feed = NewsroomRequests.UniqueFeed("scaleout");
        var page = await browser.NewPageAsync();
        await OpenReaderAsync(page, readers.BaseAddress, feed);
        using var newsroom = other.CreateNewsroomClient();
        await newsroom.PublishAsync(feed, "Before the outage");
        await Expect(page.Locator(".lf-item")).ToHaveCountAsync(1, Promptly); // reached the reader through the backplane

        await readers.KillAsync();
        await Expect(page.Locator(".lf-status")).Not.ToHaveAttributeAsync("data-state", "live");
        await newsroom.PublishAsync(feed, "Posted while the reader's server was down");
        await readers.StartAsync();

        await Expect(page.Locator(".lf-status")).ToHaveAttributeAsync("data-state", "live", Reconnected);
        await Expect(page.Locator(".lf-item .lf-headline")).ToHaveTextAsync(["Posted while the reader's server was down", "Before the outage"]);

        // And it is live again: the next item arrives as it is published.
        await newsroom.PublishAsync(feed, "After the outage");
        await Expect(page.Locator(".lf-item .lf-headline")).ToHaveTextAsync(["After the outage", "Posted while the reader's server was down", "Before the outage"]);
    }

    [Fact]
    public async Task AfterAnInMemoryServerRestartsThePageStartsOverWithTheCurrentItemsOnce()
    {
        // One in-memory instance killed and started again on the same port: its log is lost, a new
        // epoch. The page reconnects by itself, resumes with its last position, is answered with a
        // reset and shows the current items, once.
        var page = await browser.NewPageAsync();
        await using var server = new LiveFeedProcess(new Dictionary<string, string?>());
        await server.StartAsync();
        await OpenReaderAsync(page, server.BaseAddress, "main");
        using (var toFirst = NewsroomClient(server.BaseAddress))
        {
            await toFirst.PublishAsync("main", "Before the restart");
        }

        await Expect(page.Locator(".lf-item")).ToHaveCountAsync(1, Promptly);
        await server.KillAsync(); // a crash, not a graceful shutdown

        await Expect(page.Locator(".lf-status")).Not.ToHaveAttributeAsync("data-state", "live");
        await server.StartAsync(); // the same port
        using (var toSecond = NewsroomClient(server.BaseAddress))
        {
            await toSecond.PublishAsync("main", "Posted while the reader was away");
        }

        await Expect(page.Locator(".lf-status")).ToHaveAttributeAsync("data-state", "live", Reconnected);
        await Expect(page.Locator(".lf-item .lf-headline")).ToHaveTextAsync(["Posted while the reader was away"]);
        await Expect(page.GetByText("Before the restart")).ToHaveCountAsync(0);
    }

    public void Dispose() => _server.Dispose();

    /// <summary>A news site on its own loopback server, answering <paramref name="html"/> at /our-story.</summary>
    private static Task<NewsSite> NewsSiteAsync(string html) => NewsSiteAsync(() => Task.FromResult(html));

    /// <summary>A news site on its own loopback server, answering /our-story with the page <paramref name="html"/> makes for each request.</summary>
    internal static async Task<NewsSite> NewsSiteAsync(Func<Task<string>> html)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.MapGet("/our-story", async () => Results.Content(await html(), "text/html; charset=utf-8"));
        await app.StartAsync();
        var port = new Uri(app.Urls.First()).Port;
        return new NewsSite(app, new Uri($"http://localhost:{port}"));
    }

    internal sealed record NewsSite(WebApplication App, Uri Address) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => App.DisposeAsync();
    }

    [Fact]
    public async Task AServerThatCannotServeNewReadersIsAskedAgainAfterGrowingWaitsNotAtOnce()
    {
        // With its Redis away, an instance accepts a hub connection and closes it at once (the backplane cannot
        // subscribe it). The page must back off, not reconnect in a tight loop.
        var gate = new HubGate();
        await using var redis = await RedisServer.StartNewAsync();
        using var server = new LiveFeedServer(RedisSettings.For(redis), services: gate.Install);
        await redis.StopAsync();
        var page = await browser.NewPageAsync();

        await page.GotoAsync(new Uri(server.BaseAddress, $"/?feed={NewsroomRequests.UniqueFeed("away")}").ToString());
        await Task.Delay(TimeSpan.FromSeconds(10));

        // Waits of up to 1, 2, 4, 8 s: about five tries in 10 s (a tight loop makes hundreds).
        Assert.InRange(gate.Negotiates.Count, 1, 8);
        await Expect(page.Locator(".lf-status")).Not.ToHaveAttributeAsync("data-state", "live");
    }

    [Fact]
    public async Task AfterADropThePageWaitsAsLongAsRetryAfterSaysBeforeItConnectsAgain()
    {
        // A deploy: the instance the page was on answers new connections 503 with Retry-After.
        var gate = new HubGate();
        using var server = new LiveFeedServer(services: gate.Install);
        var page = await browser.NewPageAsync();
        await OpenReaderAsync(page, server.BaseAddress, NewsroomRequests.UniqueFeed("polite"));

        gate.Refuse(503, retryAfterSeconds: 3);
        gate.DropConnections();
        var refused = (await gate.WaitForNegotiatesAsync(2, TimeSpan.FromSeconds(10)))[1];
        gate.Admit();
        var next = (await gate.WaitForNegotiatesAsync(3, TimeSpan.FromSeconds(15)))[2];

        Assert.Equal(503, refused.Status);
        Assert.True(next.At - refused.At >= TimeSpan.FromSeconds(2.9), $"asked again {(next.At - refused.At).TotalSeconds:0.00} s after a Retry-After of 3 s");
        await Expect(page.Locator(".lf-status")).ToHaveAttributeAsync("data-state", "live", Reconnected);
    }

    internal static async Task<IResponse> OpenReaderAsync(IPage page, Uri server, string feed, string protocol = "messagepack")
    {
        var response = await page.GotoAsync(new Uri(server, $"/?feed={feed}&protocol={protocol}").ToString());
        Assert.NotNull(response);
        Assert.Equal(200, response.Status);
        await Expect(page.Locator(".lf-status")).ToHaveAttributeAsync("data-state", "live");
        return response;
    }

    private static Task<double> LastItemTopAsync(IPage page) =>
        page.Locator(".lf-item").Last.EvaluateAsync<double>("item => item.getBoundingClientRect().top");

    private static HttpClient NewsroomClient(Uri server)
    {
        var client = new HttpClient { BaseAddress = server };
        client.DefaultRequestHeaders.Authorization = new("Bearer", LiveFeedServer.NewsroomKey);
        return client;
    }

    [GeneratedRegex(@"^\d{1,2}:\d{2} [AP]M$")]
    private static partial Regex ClockTime();
}
