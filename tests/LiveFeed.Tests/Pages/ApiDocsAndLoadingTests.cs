using LiveFeed.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace LiveFeed.Tests.Pages;

/// <summary>The API reference (<c>/docs</c>) renders in a browser, and a column says "Loading…" only until it has a page.</summary>
[Collection(BrowserTests.Name)]
public sealed class ApiDocsAndLoadingTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IDisposable
{
    private readonly LiveFeedServer _server = new();

    [Fact]
    public async Task TheApiReferenceShowsTheApiUnderItsOwnPolicyWithNothingRefused()
    {
        var page = await browser.NewPageAsync();
        var refused = BrowserFixture.CollectPolicyRefusals(page);

        var response = await page.GotoAsync(new Uri(_server.BaseAddress, "/docs/").ToString());

        Assert.Equal(200, response!.Status);
        await Expect(page.GetByText("/api/feeds/{feed}/items").First).ToBeVisibleAsync(new() { Timeout = 20_000 });
        lock (refused)
        {
            Assert.Empty(refused);
        }
    }

    [Fact]
    public async Task AColumnShowsWhatTheServerReadBeforeItsConnectionIsUpAndAnEmptyFeedSaysNoNewsYet()
    {
        var feed = NewsroomRequests.UniqueFeed("loading");
        var cutOff = await browser.NewPageAsync();
        await cutOff.RouteAsync("**/hubs/feed**", route => route.AbortAsync());
        await cutOff.GotoAsync(new Uri(_server.BaseAddress, $"/?feed={feed}").ToString());

        // The server rendered the (empty) feed: no "Loading…", though the hub cannot be reached.
        await Expect(cutOff.Locator(".lf-empty")).ToHaveTextAsync("No news yet. New items appear here the moment they are published.");
        await Expect(cutOff.Locator(".lf-status")).Not.ToHaveAttributeAsync("data-state", "live");

        var page = await browser.NewPageAsync();
        await ReaderPageTests.OpenReaderAsync(page, _server.BaseAddress, feed);
        await Expect(page.Locator(".lf-empty")).ToHaveTextAsync("No news yet. New items appear here the moment they are published.");
    }

    [Fact]
    public async Task AReaderPageMadeWhileTheStoreIsAwaySaysLoadingAndIsNotKeptByCaches()
    {
        await using var redis = await RedisServer.StartNewAsync();
        using var server = new LiveFeedServer(RedisSettings.For(redis));
        await redis.StopAsync();
        var page = await browser.NewPageAsync();

        var response = await page.GotoAsync(new Uri(server.BaseAddress, $"/?feed={NewsroomRequests.UniqueFeed("away")}").ToString());

        Assert.Equal(200, response!.Status);
        Assert.Equal("no-store", await response.HeaderValueAsync("cache-control"));
        await Expect(page.Locator(".lf-empty")).ToHaveTextAsync("Loading…");
        await Expect(page.Locator(".lf-status")).Not.ToHaveAttributeAsync("data-state", "live");
    }

    public void Dispose() => _server.Dispose();
}
