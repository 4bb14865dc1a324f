using System.Globalization;
using System.Net.Http.Json;
using LiveFeed.Contracts;
using System.Text.Json;
using LiveFeed.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace LiveFeed.Tests.Pages;

/// <summary>
/// The reader page arrives with the latest items in its HTML: readable with JavaScript off, and taken over by its
/// script, which goes live from the position the HTML was made at.
/// </summary>
[Collection(BrowserTests.Name)]
public sealed class RenderedReaderPageTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IDisposable
{
    private readonly LiveFeedServer _server = new();

    [Fact]
    public async Task WithJavaScriptOffTheReaderPageShowsTheLatestItems()
    {
        var feed = NewsroomRequests.UniqueFeed("nojs");
        using var newsroom = _server.CreateNewsroomClient();
        var older = await newsroom.PublishAsync(feed, "Markets open higher");
        var newer = await newsroom.PublishAsync(feed, new
        {
            headline = "Minister resigns after vote",
            body = "Confirmed by her office.",
            priority = "flash",
            tags = new[] { "politics" },
            link = "https://www.news.example/resign",
        });
        var page = await browser.NewPageAsync(javaScript: false);

        var response = await page.GotoAsync(new Uri(_server.BaseAddress, $"/?feed={feed}").ToString());

        Assert.Equal(200, response!.Status);
        var items = page.Locator(".lf-item article");
        await Expect(items.Locator(".lf-headline")).ToHaveTextAsync(["Minister resigns after vote", "Markets open higher"]);
        var first = items.First;
        await Expect(first.Locator("time")).ToHaveAttributeAsync("datetime", RenderedTimes.Iso(newer.PublishedAt));
        await Expect(first.Locator("time")).ToHaveTextAsync(newer.PublishedAt.ToString(RenderedTimes.Utc, CultureInfo.InvariantCulture));
        await Expect(items.Last.Locator("time")).ToHaveAttributeAsync("datetime", RenderedTimes.Iso(older.PublishedAt));
        await Expect(first.Locator(".lf-priority")).ToHaveTextAsync("Flash");
        await Expect(first.Locator(".lf-body")).ToHaveTextAsync("Confirmed by her office.");
        await Expect(first.Locator(".lf-tag")).ToHaveTextAsync("politics");
        await Expect(first.GetByRole(AriaRole.Link, new() { Name = "Read more at news.example" })).ToHaveAttributeAsync("href", "https://www.news.example/resign");
        // Each time links to its item's own page.
        await Expect(first.Locator("a.lf-permalink")).ToHaveAttributeAsync("href", $"/feeds/{feed}/items/{newer.Id}");
        await Expect(page).ToHaveTitleAsync($"Latest news: {feed} · LiveFeed");
        // Nothing pretends to be live, and the reader is told how to get more (Chromium with script execution turned
        // off still parses <noscript> as a scripting browser would, so that is read from the HTML).
        await Expect(page.Locator(".lf-status")).ToBeHiddenAsync();
        await Expect(page.Locator(".lf-empty")).ToBeHiddenAsync();
        Assert.Contains("<noscript><p class=\"lf-note\">Without JavaScript this page does not update by itself: reload it for the latest news.</p></noscript>",
            await response.TextAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SearchEnginesReadTheReaderPageAsALiveBlogPostingOfItsItems()
    {
        var feed = NewsroomRequests.UniqueFeed("seo");
        using var newsroom = _server.CreateNewsroomClient();
        var older = await newsroom.PublishAsync(feed, new { headline = "Polls open across the country" });
        var newer = await newsroom.PublishAsync(feed, new { headline = "Turnout at 40% by noon", body = "Higher than in the last election." });
        using (var correction = await newsroom.PutAsJsonAsync($"/api/feeds/{feed}/items/{older.Id}", new { headline = "Polls open across the whole country" }))
        {
            older = (await correction.Content.ReadFromJsonAsync<FeedItem>())!;
        }

        var page = await browser.NewPageAsync(javaScript: false);
        await page.GotoAsync(new Uri(_server.BaseAddress, $"/?feed={feed}&protocol=json").ToString());

        var canonical = new Uri(_server.BaseAddress, $"/?feed={feed}").ToString();
        await Expect(page.Locator("link[rel='canonical']")).ToHaveAttributeAsync("href", canonical);
        var blog = Assert.Single((await JsonLdReader.ReadAsync(page)).EnumerateArray());
        Assert.Equal("LiveBlogPosting", JsonLdReader.Type(blog));
        Assert.Equal(canonical, blog.GetProperty("@id").GetString());
        Assert.Equal(RenderedTimes.Iso(older.PublishedAt), JsonLdReader.Value(blog, "coverageStartTime"));
        var updates = blog.GetProperty(JsonLdReader.Schema + "liveBlogUpdate").EnumerateArray().ToList();
        Assert.Equal(2, updates.Count);
        foreach (var (update, item) in updates.Zip([newer, older]))
        {
            Assert.Equal("BlogPosting", JsonLdReader.Type(update));
            Assert.Equal(item.Headline, JsonLdReader.Value(update, "headline"));
            Assert.Equal(RenderedTimes.Iso(item.PublishedAt), JsonLdReader.Value(update, "datePublished"));
            Assert.Equal(RenderedTimes.Iso(item.UpdatedAt ?? item.PublishedAt), JsonLdReader.Value(update, "dateModified"));
            Assert.Equal(item.Body ?? item.Headline, JsonLdReader.Value(update, "articleBody"));
            Assert.Equal(new Uri(_server.BaseAddress, $"/feeds/{feed}/items/{item.Id}").ToString(), JsonLdReader.Value(update, "url"));
        }

        Assert.NotNull(older.UpdatedAt); // the correction shows as dateModified
    }

    [Fact]
    public async Task APageThatWentLiveShowsAnItemPostedAfterItsHtmlWasMadeOnceAndNothingTwice()
    {
        var feed = NewsroomRequests.UniqueFeed("golive");
        using var newsroom = _server.CreateNewsroomClient();
        await newsroom.PublishAsync(feed, "First on the page");
        await newsroom.PublishAsync(feed, "Second on the page");
        var page = await browser.NewPageAsync();
        var hub = HubFrames.Record(page);
        var feedReads = BrowserFixture.CountRequests(page, "/api/feeds");
        // The HTML is made; before its script arrives, the newsroom posts.
        await page.RouteAsync("**/assets/reader-*.js", async route =>
        {
            await newsroom.PublishAsync(feed, "Posted after the HTML was made");
            await route.ContinueAsync();
        });

        var response = await page.GotoAsync(new Uri(_server.BaseAddress, $"/?feed={feed}&protocol=json").ToString());

        var html = await response!.TextAsync();
        Assert.Contains("Second on the page", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Posted after the HTML was made", html, StringComparison.Ordinal);
        await Expect(page.Locator(".lf-status")).ToHaveAttributeAsync("data-state", "live");
        await Expect(page.Locator(".lf-item .lf-headline")).ToHaveTextAsync(["Posted after the HTML was made", "Second on the page", "First on the page"]);

        // It subscribed from the position in the HTML and was answered with only what came after: nothing shown was
        // asked for again, no reset redrew the column, and no other request read the feed.
        var epoch = await page.Locator(".lf-column").GetAttributeAsync("data-epoch");
        var (arguments, answer) = await hub.SubscribeAsync();
        Assert.Equal([feed, epoch!, "2"], arguments);
        Assert.False(answer.GetProperty("reset").GetBoolean());
        Assert.Equal(1, answer.GetProperty("events").GetArrayLength());
        Assert.Equal(0, feedReads());

        // And it stays live.
        await newsroom.PublishAsync(feed, "Live after that");
        await Expect(page.Locator(".lf-item .lf-headline")).ToHaveTextAsync(["Live after that", "Posted after the HTML was made", "Second on the page", "First on the page"]);
    }

    [Fact]
    public async Task AHostileHeadlineIsTextInTheRenderedHtmlAndRunsNoScript()
    {
        const string Hostile = "</script><script>alert(1)</script><b>x";
        const string Escaped = "Tom &amp; Jerry";
        var feed = NewsroomRequests.UniqueFeed("hostile");
        using var newsroom = _server.CreateNewsroomClient();
        await newsroom.PublishAsync(feed, new { headline = Escaped, body = "<img src=x onerror=alert(2)>", tags = new[] { "<i>x</i>" } });
        await newsroom.PublishAsync(feed, Hostile);
        var page = await browser.NewPageAsync();
        var refused = BrowserFixture.CollectPolicyRefusals(page);
        var dialogs = BrowserFixture.CountDialogs(page);

        var response = await ReaderPageTests.OpenReaderAsync(page, _server.BaseAddress, feed);

        var html = await response.TextAsync();
        Assert.Contains("&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;x", html, StringComparison.Ordinal);
        Assert.Contains("Tom &amp;amp; Jerry", html, StringComparison.Ordinal);
        Assert.DoesNotContain("</script><script>alert(1)", html, StringComparison.Ordinal);
        await Expect(page.Locator(".lf-item .lf-headline")).ToHaveTextAsync([Hostile, Escaped]);
        await Expect(page.Locator(".lf-body")).ToHaveTextAsync("<img src=x onerror=alert(2)>");
        await Expect(page.Locator(".lf-tag")).ToHaveTextAsync("<i>x</i>");
        Assert.Equal(0, await page.Locator("main b, main i, main img, script:not([src]):not([type='application/ld+json'])").CountAsync());
        Assert.Equal(0, dialogs());

        // The JSON-LD block survived the headline: a JSON-LD processor reads both headlines exactly as written.
        var blog = Assert.Single((await JsonLdReader.ReadAsync(page)).EnumerateArray());
        var headlines = blog.GetProperty(JsonLdReader.Schema + "liveBlogUpdate").EnumerateArray().Select(update => JsonLdReader.Value(update, "headline"));
        Assert.Equal([Hostile, Escaped], headlines);

        // The policy stays strict, and Chromium refused nothing on the page, the JSON-LD data block included.
        var policy = await response.HeaderValueAsync("content-security-policy");
        Assert.Contains("script-src 'self';", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", policy, StringComparison.Ordinal);
        lock (refused)
        {
            Assert.Empty(refused);
        }
    }

    public void Dispose() => _server.Dispose();

}

/// <summary>The JSON hub protocol's messages a page sends and receives over its WebSocket.</summary>
internal sealed class HubFrames
{
    private readonly List<JsonElement> _sent = [];
    private readonly List<JsonElement> _received = [];

    public static HubFrames Record(IPage page)
    {
        var frames = new HubFrames();
        page.WebSocket += (_, socket) =>
        {
            socket.FrameSent += (_, frame) => frames.Add(frames._sent, frame.Text);
            socket.FrameReceived += (_, frame) => frames.Add(frames._received, frame.Text);
        };
        return frames;
    }

    /// <summary>The first Subscribe's arguments (as text) and its answer, waited for at most 10 s.</summary>
    public async Task<(string[] Arguments, JsonElement Answer)> SubscribeAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            lock (_sent)
            {
                var call = _sent.FirstOrDefault(m => m.TryGetProperty("target", out var t) && t.GetString() == "Subscribe");
                if (call.ValueKind != JsonValueKind.Undefined)
                {
                    var id = call.GetProperty("invocationId").GetString();
                    var answer = _received.FirstOrDefault(m =>
                        m.TryGetProperty("type", out var type) && type.GetInt32() == 3 && m.TryGetProperty("invocationId", out var i) && i.GetString() == id);
                    if (answer.ValueKind != JsonValueKind.Undefined)
                    {
                        var arguments = call.GetProperty("arguments").EnumerateArray()
                            .Select(a => a.ValueKind == JsonValueKind.String ? a.GetString()! : a.GetRawText()).ToArray();
                        return (arguments, answer.GetProperty("result"));
                    }
                }
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("No Subscribe was answered within 10 s.");
    }

    private void Add(List<JsonElement> list, string? text)
    {
        foreach (var record in (text ?? "").Split('\u001e', StringSplitOptions.RemoveEmptyEntries))
        {
            using var document = JsonDocument.Parse(record);
            lock (_sent)
            {
                list.Add(document.RootElement.Clone());
            }
        }
    }
}
