using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using LiveFeed.Contracts;
using LiveFeed.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace LiveFeed.Tests.Pages;

/// <summary>Each item's own page (<c>/feeds/{feed}/items/{id}</c>): what readers, link previews and search engines see.</summary>
[Collection(BrowserTests.Name)]
public sealed class ItemPageTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IDisposable
{
    private readonly LiveFeedServer _server = new();

    [Fact]
    public async Task AnItemsTimeOnTheReaderPageLeadsToItsOwnPageWhichLinkPreviewsAndSearchEnginesRead()
    {
        var feed = NewsroomRequests.UniqueFeed("item");
        using var newsroom = _server.CreateNewsroomClient();
        var item = await newsroom.PublishAsync(feed, new
        {
            headline = "Central bank holds rates at 4.25%",
            body = "The decision was unanimous.\nThe governor speaks at 3 PM.",
            priority = "flash",
            tags = new[] { "economy" },
        });
        var page = await browser.NewPageAsync();
        await ReaderPageTests.OpenReaderAsync(page, _server.BaseAddress, feed);

        await page.Locator($".lf-item[data-id='{item.Id}'] a.lf-permalink").ClickAsync();

        var address = new Uri(_server.BaseAddress, $"/feeds/{feed}/items/{item.Id}").ToString();
        await Expect(page).ToHaveURLAsync(address);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Central bank holds rates at 4.25%");
        await Expect(page.Locator(".lf-body")).ToHaveTextAsync("The decision was unanimous.\nThe governor speaks at 3 PM.");
        await Expect(page.Locator(".lf-priority")).ToHaveTextAsync("Flash");
        await Expect(page.Locator("article time")).ToHaveAttributeAsync("datetime", RenderedTimes.Iso(item.PublishedAt));
        await Expect(page).ToHaveTitleAsync("Central bank holds rates at 4.25% · LiveFeed");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = $"← Latest news: {feed}" })).ToHaveAttributeAsync("href", $"/?feed={feed}");

        Assert.Equal(address, await Meta(page, "link[rel='canonical']", "href"));
        Assert.Equal("Central bank holds rates at 4.25%", await Meta(page, "meta[property='og:title']"));
        Assert.Equal("article", await Meta(page, "meta[property='og:type']"));
        Assert.Equal(address, await Meta(page, "meta[property='og:url']"));
        Assert.Equal("The decision was unanimous. The governor speaks at 3 PM.", await Meta(page, "meta[property='og:description']"));
        Assert.Equal(RenderedTimes.Iso(item.PublishedAt), await Meta(page, "meta[property='article:published_time']"));
        Assert.Equal("summary", await Meta(page, "meta[name='twitter:card']"));
        Assert.Equal("Central bank holds rates at 4.25%", await Meta(page, "meta[name='twitter:title']"));

        var article = Assert.Single((await JsonLdReader.ReadAsync(page)).EnumerateArray());
        Assert.Equal("NewsArticle", JsonLdReader.Type(article));
        Assert.Equal("Central bank holds rates at 4.25%", JsonLdReader.Value(article, "headline"));
        Assert.Equal(item.Body, JsonLdReader.Value(article, "articleBody"));
        Assert.Equal(RenderedTimes.Iso(item.PublishedAt), JsonLdReader.Value(article, "datePublished"));
        Assert.Equal(address, JsonLdReader.Value(article, "url"));
    }

    [Fact]
    public async Task AHostileHeadlineIsTextOnItsPageInItsTagsAndInItsJsonLdAndRunsNoScript()
    {
        const string Hostile = "</script><script>alert(1)</script><b>x";
        const string Body = "Tom &amp; Jerry <img src=x onerror=alert(2)>";
        var feed = NewsroomRequests.UniqueFeed("item");
        using var newsroom = _server.CreateNewsroomClient();
        var item = await newsroom.PublishAsync(feed, new { headline = Hostile, body = Body });
        var page = await browser.NewPageAsync();
        var refused = BrowserFixture.CollectPolicyRefusals(page);
        var dialogs = BrowserFixture.CountDialogs(page);

        var response = await page.GotoAsync(new Uri(_server.BaseAddress, $"/feeds/{feed}/items/{item.Id}").ToString());

        Assert.Equal(200, response!.Status);
        await Expect(page.Locator("h1.lf-headline")).ToHaveTextAsync(Hostile);
        await Expect(page.Locator(".lf-body")).ToHaveTextAsync(Body);
        await Expect(page).ToHaveTitleAsync($"{Hostile} · LiveFeed");
        Assert.Equal(Hostile, await Meta(page, "meta[property='og:title']"));
        Assert.Equal(Hostile, await Meta(page, "meta[name='twitter:title']"));
        Assert.Equal(Body, await Meta(page, "meta[property='og:description']"));
        var article = Assert.Single((await JsonLdReader.ReadAsync(page)).EnumerateArray());
        Assert.Equal(Hostile, JsonLdReader.Value(article, "headline"));
        Assert.Equal(Body, JsonLdReader.Value(article, "articleBody"));

        Assert.Equal(0, await page.Locator("b, img, script:not([type='application/ld+json'])").CountAsync());
        Assert.Equal(0, dialogs());
        Assert.DoesNotContain("unsafe-inline", await response.HeaderValueAsync("content-security-policy"), StringComparison.Ordinal);
        lock (refused)
        {
            Assert.Empty(refused);
        }
    }

    [Fact]
    public async Task ARetractedItemAnswers410SayingWhenItWasRetractedWithoutItsText()
    {
        var feed = NewsroomRequests.UniqueFeed("item");
        using var newsroom = _server.CreateNewsroomClient();
        var item = await newsroom.PublishAsync(feed, new { headline = "Minister to resign, sources say", body = "Unconfirmed." });
        using (var retraction = await newsroom.DeleteAsync($"/api/feeds/{feed}/items/{item.Id}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, retraction.StatusCode);
        }

        var retractedAt = (await newsroom.GetFromJsonAsync<FeedItem>($"/api/feeds/{feed}/items/{item.Id}"))!.RetractedAt!.Value;
        var page = await browser.NewPageAsync(javaScript: false);

        var response = await page.GotoAsync(new Uri(_server.BaseAddress, $"/feeds/{feed}/items/{item.Id}").ToString());

        Assert.Equal(410, response!.Status);
        Assert.StartsWith("text/html", await response.HeaderValueAsync("content-type"), StringComparison.Ordinal);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("This item was retracted");
        await Expect(page.Locator("main time")).ToHaveAttributeAsync("datetime", RenderedTimes.Iso(retractedAt));
        await Expect(page.Locator("main time")).ToHaveTextAsync(retractedAt.ToString(RenderedTimes.Utc, CultureInfo.InvariantCulture));
        var html = await response.TextAsync();
        Assert.DoesNotContain("Minister to resign", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Unconfirmed", html, StringComparison.Ordinal);
        Assert.Equal("noindex", await Meta(page, "meta[name='robots']"));
        await AssertSameLookAsync(page, feed);
    }

    [Fact]
    public async Task AnUnknownItemAnswers404AsAPageThatDoesNotRepeatTheAddress()
    {
        var feed = NewsroomRequests.UniqueFeed("item");
        var page = await browser.NewPageAsync(javaScript: false);

        foreach (var path in new[] { $"/feeds/{feed}/items/0123456789abcdef0123456789abcdef", $"/feeds/{feed}/items/%22%3E%3Cb%3Ehostile", "/feeds/NOT%20A%20FEED/items/x" })
        {
            var response = await page.GotoAsync(new Uri(_server.BaseAddress, path).ToString());

            Assert.Equal(404, response!.Status);
            await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("No such item");
            Assert.DoesNotContain("hostile", await response.TextAsync(), StringComparison.Ordinal);
            Assert.Equal("noindex", await Meta(page, "meta[name='robots']"));
        }

        await AssertSameLookAsync(page, feed: null);
    }

    public void Dispose() => _server.Dispose();

    // The site's header and the pages' stylesheets, as on the reader page.
    private static async Task AssertSameLookAsync(IPage page, string? feed)
    {
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "LiveFeed", Exact = true })).ToBeVisibleAsync();
        await Expect(page.Locator("header.site-head")).ToHaveCSSAsync("background-color", "rgb(22, 24, 29)");
        if (feed is not null)
        {
            await Expect(page.Locator("[data-feed-name]")).ToHaveTextAsync(feed);
        }
    }

    private static async Task<string?> Meta(IPage page, string selector, string attribute = "content") =>
        await page.Locator(selector).GetAttributeAsync(attribute);

}
