using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.ServiceModel.Syndication;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml;
using LiveFeed.Contracts;
using LiveFeed.Tests.Api;
using LiveFeed.Tests.Infrastructure;

namespace LiveFeed.Tests.FeedDocuments;

/// <summary>
/// The feed documents (<c>/feeds/{feed}.atom|.rss|.json</c>), read back by parsers this project did not write:
/// System.ServiceModel.Syndication's Atom and RSS formatters, and JSON Feed 1.1's required fields.
/// </summary>
public sealed class FeedDocumentsTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>
{
    private const string HostileHeadline = "</script><b>x</b>&amp;";

    private readonly HttpClient _newsroom = fixture.Newsroom;
    private readonly HttpClient _anonymous = fixture.Anonymous;

    [Theory]
    [InlineData("atom")]
    [InlineData("rss")]
    public async Task TheDocumentHasTheLatestItemsNewestFirstEachLinkingToItsPage(string format)
    {
        var (feed, first, corrected, third) = await FeedWithACorrectionAndARetractionAsync();

        using var response = await _anonymous.GetAsync(new Uri($"/feeds/{feed}.{format}", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(format == "atom" ? "application/atom+xml" : "application/rss+xml", response.Content.Headers.ContentType?.MediaType);
        var document = await ReadSyndicationAsync(response, format);
        Assert.Equal([third.Id, corrected.Id, first.Id], document.Items.Select(entry => ItemId(entry, feed)));
        Assert.Equal(["Third", "Second, corrected", "First"], document.Items.Select(entry => entry.Title.Text));
        Assert.All(document.Items, entry => Assert.Equal(
            new Uri(fixture.Server.BaseAddress, $"/feeds/{feed}/items/{ItemId(entry, feed)}"),
            entry.Links.Single(link => link.RelationshipType is null or "alternate").Uri));

        // The correction shows as an update: its time beside the unchanged publication time (whole seconds, as the
        // formatters write them).
        var correctedEntry = document.Items.ElementAt(1);
        Assert.Equal(ToTheSecond(corrected.PublishedAt), correctedEntry.PublishDate);
        Assert.Equal(ToTheSecond(corrected.UpdatedAt!.Value), correctedEntry.LastUpdatedTime);
        Assert.Equal(ToTheSecond(first.PublishedAt), document.Items.Last().LastUpdatedTime);
        Assert.Equal("Now with a body.", (correctedEntry.Summary as TextSyndicationContent)?.Text);
        Assert.Equal(LiveFeedServer.KeyName, correctedEntry.Authors.Single().Name);
        Assert.Equal(["war"], document.Items.First().Categories.Select(category => category.Name));
    }

    [Theory]
    [InlineData("atom", "atom10")]
    [InlineData("rss", "rss20")]
    public async Task PythonsFeedparserReadsTheDocumentAsWell(string format, string version)
    {
        var feed = NewsroomRequests.UniqueFeed("doc");
        await _newsroom.PublishAsync(feed, "First");
        var hostile = await _newsroom.PublishAsync(feed, new { headline = HostileHeadline, body = "Body <i>text</i>" });
        using var response = await _anonymous.GetAsync(new Uri($"/feeds/{feed}.{format}", UriKind.Relative));

        // Debian's python3-feedparser, a widely used feed reader (./test.sh installs it).
        var start = new System.Diagnostics.ProcessStartInfo("/usr/bin/python3") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(
            "import sys, json, feedparser\n"
            + "d = feedparser.parse(sys.stdin.buffer.read())\n"
            + "print(json.dumps({'version': d.version, 'bozo': bool(d.bozo), 'titles': [e.title for e in d.entries],"
            + " 'links': [e.link for e in d.entries], 'summaries': [e.get('summary') for e in d.entries]}))");
        using var python = System.Diagnostics.Process.Start(start)!;
        await python.StandardInput.BaseStream.WriteAsync(await response.Content.ReadAsByteArrayAsync());
        python.StandardInput.Close();
        var output = await python.StandardOutput.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await python.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(python.ExitCode == 0, await python.StandardError.ReadToEndAsync());

        var parsed = JsonDocument.Parse(output).RootElement;
        Assert.Equal(version, parsed.GetProperty("version").GetString());
        Assert.False(parsed.GetProperty("bozo").GetBoolean());
        Assert.Equal([HostileHeadline, "First"], parsed.GetProperty("titles").EnumerateArray().Select(title => title.GetString()));
        Assert.Equal("Body <i>text</i>", parsed.GetProperty("summaries")[0].GetString());
        Assert.Equal(new Uri(fixture.Server.BaseAddress, $"/feeds/{feed}/items/{hostile.Id}").AbsoluteUri, parsed.GetProperty("links")[0].GetString());
    }

    [Fact]
    public async Task TheJsonFeedHasTheFieldsJsonFeedRequires()
    {
        var (feed, first, corrected, third) = await FeedWithACorrectionAndARetractionAsync();

        using var response = await _anonymous.GetAsync(new Uri($"/feeds/{feed}.json", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/feed+json", response.Content.Headers.ContentType?.MediaType);
        var json = await response.ReadJsonAsync();

        // JSON Feed 1.1: version and title required; home_page_url and feed_url strongly recommended; items required.
        Assert.Equal("https://jsonfeed.org/version/1.1", json.GetProperty("version").GetString());
        Assert.False(string.IsNullOrEmpty(json.GetProperty("title").GetString()));
        Assert.Equal(new Uri(fixture.Server.BaseAddress, $"/feeds/{feed}.json").AbsoluteUri, json.GetProperty("feed_url").GetString());
        Assert.True(Uri.IsWellFormedUriString(json.GetProperty("home_page_url").GetString(), UriKind.Absolute));
        var items = json.GetProperty("items").EnumerateArray().ToList();

        // Each item: a string id, and content_html or content_text. Dates are RFC 3339.
        Assert.All(items, item =>
        {
            Assert.Equal(JsonValueKind.String, item.GetProperty("id").ValueKind);
            Assert.True(item.TryGetProperty("content_text", out var text) && text.ValueKind == JsonValueKind.String);
            Assert.True(DateTimeOffset.TryParse(item.GetProperty("date_published").GetString(), System.Globalization.CultureInfo.InvariantCulture, out _));
        });
        Assert.Equal(
            new[] { third.Id, corrected.Id, first.Id }.Select(id => new Uri(fixture.Server.BaseAddress, $"/feeds/{feed}/items/{id}").AbsoluteUri),
            items.Select(item => item.GetProperty("url").GetString()));
        Assert.Equal(["Third", "Second, corrected", "First"], items.Select(item => item.GetProperty("title").GetString()));
        Assert.Equal("2026-11-28T14:49:00.123Z".Length, items[1].GetProperty("date_modified").GetString()!.Length);
        Assert.Equal(corrected.UpdatedAt, items[1].GetProperty("date_modified").GetDateTime().ToUniversalTime());
        Assert.False(items[0].TryGetProperty("date_modified", out _));
        Assert.Equal("https://news.example/third", items[0].GetProperty("external_url").GetString());
        Assert.Equal(LiveFeedServer.KeyName, items[0].GetProperty("authors")[0].GetProperty("name").GetString());
    }

    [Theory]
    [InlineData("atom")]
    [InlineData("rss")]
    [InlineData("json")]
    public async Task AHostileHeadlineStaysText(string format)
    {
        var feed = NewsroomRequests.UniqueFeed("doc");
        await _newsroom.PublishAsync(feed, new { headline = HostileHeadline, body = "<img src=x onerror=alert(1)>" });

        using var response = await _anonymous.GetAsync(new Uri($"/feeds/{feed}.{format}", UriKind.Relative));
        var raw = await response.Content.ReadAsStringAsync();

        Assert.DoesNotContain("<b>", raw, StringComparison.Ordinal);
        Assert.DoesNotContain("<img", raw, StringComparison.Ordinal);
        if (format == "json")
        {
            var item = JsonDocument.Parse(raw).RootElement.GetProperty("items")[0];
            Assert.Equal(HostileHeadline, item.GetProperty("title").GetString());
            Assert.Equal("<img src=x onerror=alert(1)>", item.GetProperty("content_text").GetString());
        }
        else
        {
            var entry = (await ReadSyndicationAsync(raw, format)).Items.Single();
            Assert.Equal(HostileHeadline, entry.Title.Text);
            Assert.Equal("<img src=x onerror=alert(1)>", (entry.Summary as TextSyndicationContent)?.Text);
        }
    }

    [Theory]
    [InlineData("atom")]
    [InlineData("rss")]
    [InlineData("json")]
    public async Task AnUnchangedDocumentAnswers304ToIfNoneMatchAndAChangedOneAnswersInFull(string format)
    {
        var feed = NewsroomRequests.UniqueFeed("doc");
        await _newsroom.PublishAsync(feed, "First");
        var path = new Uri($"/feeds/{feed}.{format}", UriKind.Relative);

        using var first = await _anonymous.GetAsync(path);
        var etag = first.Headers.ETag;
        Assert.NotNull(etag);
        Assert.True(first.Headers.CacheControl?.Public);
        Assert.InRange(first.Headers.CacheControl!.MaxAge!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5));

        using var unchanged = await GetAsync(path, request => request.Headers.IfNoneMatch.Add(etag));
        Assert.Equal(HttpStatusCode.NotModified, unchanged.StatusCode);
        Assert.Empty(await unchanged.Content.ReadAsByteArrayAsync());
        Assert.Equal(etag, unchanged.Headers.ETag);

        await _newsroom.PublishAsync(feed, "Second");
        using var changed = await GetAsync(path, request => request.Headers.IfNoneMatch.Add(etag));
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.NotEqual(etag, changed.Headers.ETag);
        Assert.Contains("Second", await changed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task LastModifiedIsTheLatestChangeOnceSettledAndAnswersIfModifiedSince()
    {
        var feed = NewsroomRequests.UniqueFeed("doc");
        var item = await _newsroom.PublishAsync(feed, "Soon retracted");
        var path = new Uri($"/feeds/{feed}.atom", UriKind.Relative);

        // A change in this very second could be followed by another in the same second: no Last-Modified yet.
        using (var fresh = await _anonymous.GetAsync(path))
        {
            Assert.Null(fresh.Content.Headers.LastModified);
        }

        fixture.Clock.Advance(TimeSpan.FromSeconds(10));
        var retractedAt = fixture.NowToTheMillisecond();
        using (var retract = await _newsroom.DeleteAsync(new Uri($"/api/feeds/{feed}/items/{item.Id}", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.NoContent, retract.StatusCode);
        }

        fixture.Clock.Advance(TimeSpan.FromSeconds(10));
        using var settled = await _anonymous.GetAsync(path);
        var lastModified = settled.Content.Headers.LastModified;

        // The retraction is the latest change, though no item in the document shows it.
        Assert.Equal(ToTheSecond(retractedAt), lastModified);
        Assert.Empty((await ReadSyndicationAsync(settled, "atom")).Items);

        using var notModified = await GetAsync(path, request => request.Headers.IfModifiedSince = lastModified);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        using var modified = await GetAsync(path, request => request.Headers.IfModifiedSince = lastModified!.Value.AddSeconds(-1));
        Assert.Equal(HttpStatusCode.OK, modified.StatusCode);
    }

    [Fact]
    public async Task TheDocumentsHoldTheSnapshotSizesLatestItems()
    {
        var feed = NewsroomRequests.UniqueFeed("doc");
        for (var i = 1; i <= 52; i++)
        {
            await _newsroom.PublishAsync(feed, $"Item {i}");
        }

        using var response = await _anonymous.GetAsync(new Uri($"/feeds/{feed}.json", UriKind.Relative));
        var titles = (await response.ReadJsonAsync()).GetProperty("items").EnumerateArray().Select(item => item.GetProperty("title").GetString()).ToList();

        Assert.Equal(50, titles.Count);
        Assert.Equal("Item 52", titles[0]);
        Assert.Equal("Item 3", titles[^1]);
    }

    [Theory]
    [InlineData("atom")]
    [InlineData("rss")]
    [InlineData("json")]
    public async Task AnUnknownFeedIsAnEmptyDocument(string format)
    {
        var feed = NewsroomRequests.UniqueFeed("nobody");

        using var response = await _anonymous.GetAsync(new Uri($"/feeds/{feed}.{format}", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        if (format == "json")
        {
            Assert.Equal(0, (await response.ReadJsonAsync()).GetProperty("items").GetArrayLength());
        }
        else
        {
            Assert.Empty((await ReadSyndicationAsync(response, format)).Items);
        }
    }

    [Theory]
    [InlineData("/feeds/Main.atom", HttpStatusCode.BadRequest)]
    [InlineData("/feeds/-main.rss", HttpStatusCode.BadRequest)]
    [InlineData("/feeds/main.xml", HttpStatusCode.NotFound)]
    public async Task ABadFeedNameOrFormatIsAProblem(string path, HttpStatusCode status)
    {
        using var response = await _anonymous.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(status, response.StatusCode);
        Assert.Equal(LiveFeed.Tests.Api.Api.ProblemJson, response.Content.Headers.ContentType?.MediaType);
        if (status == HttpStatusCode.BadRequest)
        {
            Assert.True((await response.ReadJsonAsync()).GetProperty("errors").TryGetProperty("feed", out _));
        }
    }

    [Fact]
    public async Task AnotherSitesPageMayReadTheDocumentsWithoutCredentials()
    {
        using var response = await GetAsync(new Uri("/feeds/main.json", UriKind.Relative), request => request.Headers.Add("Origin", "https://news.example"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("https://news.example", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.False(response.Headers.Contains("Access-Control-Allow-Credentials"));
    }

    [Fact]
    public async Task TheReaderPageLinksToItsFeedsDocuments()
    {
        var feed = NewsroomRequests.UniqueFeed("doc");
        await _newsroom.PublishAsync(feed, "On the page");

        using var page = await _anonymous.GetAsync(new Uri($"/?feed={feed}", UriKind.Relative));
        var html = await page.Content.ReadAsStringAsync();

        var links = Regex.Matches(html, "<link rel=\"alternate\" type=\"([^\"]+)\" title=\"[^\"]+\" href=\"([^\"]+)\">")
            .Select(match => (Type: match.Groups[1].Value, Href: match.Groups[2].Value))
            .ToList();
        Assert.Equal(["application/atom+xml", "application/rss+xml", "application/feed+json"], links.Select(link => link.Type));
        foreach (var (type, href) in links)
        {
            using var document = await _anonymous.GetAsync(new Uri(new Uri(fixture.Server.BaseAddress, $"/?feed={feed}"), href));
            Assert.Equal(HttpStatusCode.OK, document.StatusCode);
            Assert.Equal(type, document.Content.Headers.ContentType?.MediaType);
            Assert.Contains("On the page", await document.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // The main feed's page is the bare address; a name that is no feed name gets no links (and is never echoed).
        using var main = await _anonymous.GetAsync(new Uri("/", UriKind.Relative));
        Assert.Contains("href=\"/feeds/main.atom\"", await main.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var hostile = await _anonymous.GetAsync(new Uri("/?feed=%22%3E%3Cscript%3Ealert(1)%3C/script%3E", UriKind.Relative));
        var hostileHtml = await hostile.Content.ReadAsStringAsync();
        Assert.DoesNotContain("rel=\"alternate\"", hostileHtml, StringComparison.Ordinal);
        Assert.DoesNotContain("alert(1)", hostileHtml, StringComparison.Ordinal);
    }

    private async Task<(string Feed, FeedItem First, FeedItem Corrected, FeedItem Third)> FeedWithACorrectionAndARetractionAsync()
    {
        var feed = NewsroomRequests.UniqueFeed("doc");
        var first = await _newsroom.PublishAsync(feed, "First");
        var second = await _newsroom.PublishAsync(feed, "Second");
        var retracted = await _newsroom.PublishAsync(feed, "Retracted later");
        var third = await _newsroom.PublishAsync(feed, new { headline = "Third", tags = new[] { "war" }, link = "https://news.example/third" });
        fixture.Clock.Advance(TimeSpan.FromMinutes(3));
        using (var correction = await _newsroom.PutAsJsonAsync($"/api/feeds/{feed}/items/{second.Id}", new { headline = "Second, corrected", body = "Now with a body." }))
        {
            Assert.Equal(HttpStatusCode.OK, correction.StatusCode);
            second = (await correction.Content.ReadFromJsonAsync<FeedItem>())!;
        }

        using (var retraction = await _newsroom.DeleteAsync(new Uri($"/api/feeds/{feed}/items/{retracted.Id}", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.NoContent, retraction.StatusCode);
        }

        return (feed, first, second, third);
    }

    private static DateTimeOffset ToTheSecond(DateTime time) => new(time.AddTicks(-(time.Ticks % TimeSpan.TicksPerSecond)));

    private async Task<HttpResponseMessage> GetAsync(Uri path, Action<HttpRequestMessage> configure)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        configure(request);
        return await _anonymous.SendAsync(request);
    }

    private static async Task<SyndicationFeed> ReadSyndicationAsync(HttpResponseMessage response, string format) =>
        await ReadSyndicationAsync(await response.Content.ReadAsStringAsync(), format);

    private static Task<SyndicationFeed> ReadSyndicationAsync(string document, string format)
    {
        using var reader = XmlReader.Create(new StringReader(document));
        SyndicationFeedFormatter formatter = format == "atom" ? new Atom10FeedFormatter() : new Rss20FeedFormatter();
        Assert.True(formatter.CanRead(reader), $"the document is {format}");
        formatter.ReadFrom(reader);
        return Task.FromResult(formatter.Feed);
    }

    private static string ItemId(SyndicationItem entry, string feed)
    {
        var link = entry.Links.Single(link => link.RelationshipType is null or "alternate").Uri.AbsolutePath;
        var prefix = $"/feeds/{feed}/items/";
        Assert.StartsWith(prefix, link, StringComparison.Ordinal);
        return link[prefix.Length..];
    }
}
