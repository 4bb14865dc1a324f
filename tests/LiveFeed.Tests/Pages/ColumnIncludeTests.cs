using LiveFeed.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace LiveFeed.Tests.Pages;

/// <summary>
/// A news site that includes the column's HTML (<c>/feeds/{feed}/column</c>) in its own pages on its server: its
/// readers get the items with the page, script or not, and the widget's script goes live from there.
/// </summary>
[Collection(BrowserTests.Name)]
public sealed class ColumnIncludeTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IDisposable
{
    private readonly LiveFeedServer _server = new();

    [Fact]
    public async Task ANewsSiteThatIncludesTheColumnShowsItsItemsToReadersWithoutScript()
    {
        var feed = NewsroomRequests.UniqueFeed("include");
        using var newsroom = _server.CreateNewsroomClient();
        await newsroom.PublishAsync(feed, "Earlier on the ground");
        var latest = await newsroom.PublishAsync(feed, new { headline = "Troops cross the border", priority = "flash" });
        await using var site = await ReaderPageTests.NewsSiteAsync(() => StoryWithColumnAsync(_server, feed));
        var page = await browser.NewPageAsync(javaScript: false);

        await page.GotoAsync(new Uri(site.Address, "/our-story").ToString());

        var column = page.Locator(".livefeed-widget .lf-column");
        await Expect(column.Locator(".lf-column-title")).ToHaveTextAsync("Live updates");
        await Expect(column.Locator(".lf-item .lf-headline")).ToHaveTextAsync(["Troops cross the border", "Earlier on the ground"]);
        // The links lead to LiveFeed's item pages, not to the news site.
        await Expect(column.Locator(".lf-item a.lf-permalink").First).ToHaveAttributeAsync("href", new Uri(_server.BaseAddress, $"/feeds/{feed}/items/{latest.Id}").ToString());
        // It stands in its own shadow root, styled by LiveFeed's stylesheet: the flash label is red on white.
        Assert.True(await page.EvaluateAsync<bool>("() => document.querySelector('.livefeed-widget').shadowRoot !== null"));
        await Expect(column.Locator(".lf-priority")).ToHaveCSSAsync("color", "rgb(255, 255, 255)");
    }

    [Fact]
    public async Task TheIncludedColumnGoesLiveFromWhereItWasMadeAndShowsEachItemOnce()
    {
        var feed = NewsroomRequests.UniqueFeed("include");
        using var newsroom = _server.CreateNewsroomClient();
        await newsroom.PublishAsync(feed, "First in the include");
        await newsroom.PublishAsync(feed, "Second in the include");
        await using var site = await ReaderPageTests.NewsSiteAsync(() => StoryWithColumnAsync(_server, feed));
        var page = await browser.NewPageAsync();
        var feedReads = BrowserFixture.CountRequests(page, "/api/feeds");
        // The news site's page is made; before the widget's script arrives, the newsroom posts.
        await page.RouteAsync("**/widget.js", async route =>
        {
            await newsroom.PublishAsync(feed, "Posted after the include was made");
            await route.ContinueAsync();
        });

        await page.GotoAsync(new Uri(site.Address, "/our-story").ToString());

        await Expect(page.Locator(".lf-status")).ToHaveAttributeAsync("data-state", "live");
        await Expect(page.Locator(".lf-item .lf-headline")).ToHaveTextAsync(["Posted after the include was made", "Second in the include", "First in the include"]);
        Assert.Equal(0, feedReads());
        await newsroom.PublishAsync(feed, "Live on the news site");
        await Expect(page.Locator(".lf-item .lf-headline")).ToHaveTextAsync(
            ["Live on the news site", "Posted after the include was made", "Second in the include", "First in the include"]);
        Assert.Equal(1, await page.Locator(".livefeed-widget").CountAsync());
    }

    public void Dispose() => _server.Dispose();

    // What the news site's server does for each page: fetch the include and put it where the column goes.
    internal static async Task<string> StoryWithColumnAsync(LiveFeedServer server, string feed)
    {
        using var client = server.CreateAnonymousClient();
        var column = await client.GetStringAsync($"/feeds/{feed}/column?title=Live+updates");
        return $"""
            <!doctype html><html lang="en"><head><title>The Daily Example</title></head>
            <body><h1>Our story</h1><aside>{column}</aside></body></html>
            """;
    }
}
