using System.Net;
using System.Net.Http.Json;
using LiveFeed.Contracts;
using LiveFeed.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace LiveFeed.Tests.Pages;

/// <summary>
/// Both pages at 1280 px and 375 px (and the reader page in dark mode), kept as screenshots in
/// TestResults/screenshots for people to look at; and both readable at 320 px without sideways scrolling.
/// </summary>
[Collection(BrowserTests.Name)]
public sealed class PageScreenshotTests : IClassFixture<BrowserFixture>, IDisposable
{
    // A feed name as long as the rule allows, to check that nothing runs off a narrow screen.
    private const string LongFeed = "a-feed-name-as-long-as-the-rule-allows-0123456789-abcdefghijklmn";

    private readonly BrowserFixture _browser;

    // Items published over the last hour and a half, as on a real news day: the server's clock is
    // set back and moved on between items; the browser reads the ages against the real time.
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow.AddMinutes(-80));
    private readonly LiveFeedServer _server;

    public PageScreenshotTests(BrowserFixture browser)
    {
        _browser = browser;
        _server = new LiveFeedServer(clock: _clock);
    }

    [Fact]
    public async Task TheReaderPageIsALiveColumnAtEveryWidth()
    {
        await SeedAsync("main", LongFeed);

        foreach (var (width, scheme, feed, name) in new[]
        {
            (1280, ColorScheme.Light, "main", "reader-1280"),
            (375, ColorScheme.Light, "main", "reader-375"),
            (375, ColorScheme.Dark, "main", "reader-375-dark"),
            (320, ColorScheme.Light, LongFeed, "reader-320-long-feed-name"),
        })
        {
            var page = await _browser.NewPageAsync(width, 900, scheme);
            await ReaderPageTests.OpenReaderAsync(page, _server.BaseAddress, feed);
            await Expect(page.Locator(".lf-item")).ToHaveCountAsync(5);
            await Expect(page.Locator(".lf-item[data-priority='flash'] .lf-priority")).ToHaveTextAsync("Flash");
            await Expect(page.Locator(".lf-updated")).ToHaveCountAsync(1);
            await Expect(page.Locator(".lf-age").Last).ToHaveTextAsync("1 h ago");
            await Expect(page.Locator(".lf-highlight")).ToHaveCountAsync(0); // no arrival highlight on load
            await AssertNoSidewaysScrollingAsync(page, width);
            await Screenshots.SaveAsync(page, name);
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task TheNewsroomConsoleIsACalmToolAtEveryWidth()
    {
        await SeedAsync("main", LongFeed);

        foreach (var (width, feed, name) in new[] { (1280, "main", "newsroom-1280"), (375, "main", "newsroom-375"), (320, LongFeed, "newsroom-320-long-feed-name") })
        {
            var page = await NewsroomConsoleTests.OpenConsoleAsync(_browser, _server.BaseAddress, feed, width: width);
            await Expect(page.Locator("#recent .lf-item")).ToHaveCountAsync(5);
            await page.GetByLabel("Headline").FillAsync("Central bank holds rates at 4.25%, signals cut in spring");
            await page.GetByLabel("Body").FillAsync("The decision was unanimous. The governor speaks at 3 PM.");
            await page.GetByLabel("Priority").SelectOptionAsync("urgent");
            await page.GetByLabel("Tags").FillAsync("economy, rates");
            await Expect(page.Locator("#preview .lf-headline")).ToHaveTextAsync("Central bank holds rates at 4.25%, signals cut in spring");
            await page.Locator("#headline").FocusAsync();
            await AssertNoSidewaysScrollingAsync(page, width);
            await Screenshots.SaveAsync(page, name);
            await page.Context.CloseAsync();
        }
    }

    public void Dispose() => _server.Dispose();

    // Five items in each feed over the last 80 minutes: a flash, an urgent one corrected since, a
    // normal one with body, tags and link.
    private async Task SeedAsync(params string[] feeds)
    {
        using var newsroom = _server.CreateNewsroomClient();
        async Task<List<FeedItem>> PublishAsync(object item, int thenMinutes)
        {
            var published = new List<FeedItem>();
            foreach (var feed in feeds)
            {
                published.Add(await newsroom.PublishAsync(feed, item));
            }

            _clock.Advance(TimeSpan.FromMinutes(thenMinutes));
            return published;
        }

        await PublishAsync(new
        {
            headline = "Parliament recalled for emergency session on energy prices",
            body = "MPs return from recess on Monday.\nThe debate is expected to run late into the evening.",
            tags = new[] { "politics", "energy" },
            link = "https://www.news.example/politics/energy-session",
        }, 12);
        var corrected = await PublishAsync(new { headline = "Storm warning for the north coast", priority = "urgent", body = "Gusts of up to 100 km/h tonight." }, 25);
        await PublishAsync(new { headline = "Rail strike called off after late-night talks", tags = new[] { "transport" } }, 18);
        await PublishAsync(new { headline = "Ukraine downs 2 Russian helicopters in sea drone attack", priority = "flash", tags = new[] { "ukraine" } }, 17);
        await PublishAsync(new { headline = "Markets open higher as oil prices ease", body = "The index rose 0.8% in early trading." }, 5);
        foreach (var item in corrected)
        {
            using var correction = await newsroom.PutAsJsonAsync($"/api/feeds/{item.Feed}/items/{item.Id}", new
            {
                headline = "Storm warning for the north and east coasts",
                priority = "urgent",
                body = "Gusts of up to 120 km/h tonight; ferries cancelled.",
            });
            Assert.Equal(HttpStatusCode.OK, correction.StatusCode);
        }
    }

    private static async Task AssertNoSidewaysScrollingAsync(IPage page, int width)
    {
        var scrollWidth = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth");
        Assert.True(scrollWidth <= width, $"the page is {scrollWidth} px wide in a {width} px window");
    }
}
