using System.Net;
using System.Net.Http.Json;
using LiveFeed.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace LiveFeed.Tests.Pages;

/// <summary>
/// Both pages at 1280 px and 375 px (and the reader page in dark mode), kept as screenshots in
/// TestResults/screenshots for people to look at; and both readable at 320 px without sideways scrolling.
/// </summary>
[Collection(BrowserTests.Name)]
public sealed class PageScreenshotTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IDisposable
{
    private readonly LiveFeedServer _server = new();

    [Fact]
    public async Task TheReaderPageIsALiveColumnAtEveryWidth()
    {
        var feed = NewsroomRequests.UniqueFeed("look");
        await SeedAsync(feed);

        foreach (var (width, scheme, name) in new[]
        {
            (1280, ColorScheme.Light, "reader-1280"),
            (375, ColorScheme.Light, "reader-375"),
            (375, ColorScheme.Dark, "reader-375-dark"),
            (320, ColorScheme.Light, "reader-320"),
        })
        {
            var page = await browser.NewPageAsync(width, 900, scheme);
            await ReaderPageTests.OpenReaderAsync(page, _server.BaseAddress, feed);
            await Expect(page.Locator(".lf-item")).ToHaveCountAsync(5);
            await Expect(page.Locator(".lf-item[data-priority='flash'] .lf-priority")).ToHaveTextAsync("Flash");
            await Expect(page.Locator(".lf-updated")).ToHaveCountAsync(1);
            await Expect(page.Locator(".lf-highlight")).ToHaveCountAsync(0); // no arrival highlight on load
            await AssertNoSidewaysScrollingAsync(page, width);
            await Screenshots.SaveAsync(page, name);
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task TheNewsroomConsoleIsACalmToolAtEveryWidth()
    {
        var feed = NewsroomRequests.UniqueFeed("look");
        await SeedAsync(feed);

        foreach (var (width, name) in new[] { (1280, "newsroom-1280"), (375, "newsroom-375"), (320, "newsroom-320") })
        {
            var page = await NewsroomConsoleTests.OpenConsoleAsync(browser, _server.BaseAddress, feed, width: width);
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

    private async Task SeedAsync(string feed)
    {
        using var newsroom = _server.CreateNewsroomClient();
        await newsroom.PublishAsync(feed, new
        {
            headline = "Parliament recalled for emergency session on energy prices",
            body = "MPs return from recess on Monday.\nThe debate is expected to run late into the evening.",
            tags = new[] { "politics", "energy" },
            link = "https://www.news.example/politics/energy-session",
        });
        var corrected = await newsroom.PublishAsync(feed, new { headline = "Storm warning for the north coast", priority = "urgent", body = "Gusts of up to 100 km/h tonight." });
        await newsroom.PublishAsync(feed, new { headline = "Rail strike called off after late-night talks", tags = new[] { "transport" } });
        await newsroom.PublishAsync(feed, new
        {
            headline = "Ukraine downs 2 Russian helicopters in sea drone attack",
            priority = "flash",
            tags = new[] { "ukraine" },
        });
        await newsroom.PublishAsync(feed, new { headline = "Markets open higher as oil prices ease", body = "The index rose 0.8% in early trading." });
        using var correction = await newsroom.PutAsJsonAsync($"/api/feeds/{feed}/items/{corrected.Id}", new
        {
            headline = "Storm warning for the north and east coasts",
            priority = "urgent",
            body = "Gusts of up to 120 km/h tonight; ferries cancelled.",
        });
        Assert.Equal(HttpStatusCode.OK, correction.StatusCode);
    }

    private static async Task AssertNoSidewaysScrollingAsync(IPage page, int width)
    {
        var scrollWidth = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth");
        Assert.True(scrollWidth <= width, $"the page is {scrollWidth} px wide in a {width} px window");
    }
}
