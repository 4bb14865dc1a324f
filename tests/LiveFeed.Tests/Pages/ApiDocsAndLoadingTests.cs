using LiveFeed.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace LiveFeed.Tests.Pages;

/// <summary>The API reference (<c>/docs</c>) renders in a browser, and a column says "Loading…" until it has a page.</summary>
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
    public async Task AColumnThatHasNoPageYetSaysLoadingAndAnEmptyFeedSaysNoNewsYet()
    {
        var feed = NewsroomRequests.UniqueFeed("loading");
        var cutOff = await browser.NewPageAsync();
        await cutOff.RouteAsync("**/hubs/feed**", route => route.AbortAsync());
        await cutOff.GotoAsync(new Uri(_server.BaseAddress, $"/?feed={feed}").ToString());

        await Expect(cutOff.Locator(".lf-empty")).ToHaveTextAsync("Loading…");

        var page = await browser.NewPageAsync();
        await ReaderPageTests.OpenReaderAsync(page, _server.BaseAddress, feed);
        await Expect(page.Locator(".lf-empty")).ToHaveTextAsync("No news yet. New items appear here the moment they are published.");
    }

    public void Dispose() => _server.Dispose();
}
