using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using LiveFeed.Tests.Infrastructure;

namespace LiveFeed.Tests.Caching;

/// <summary>What browsers and a CDN in front may keep, and for how long (docs/operations.md, "Caching and CDNs").</summary>
public sealed partial class PublicCachingTests : IDisposable
{
    private readonly LiveFeedServer _server = new();

    [Fact]
    public async Task ScriptsAndStylesCarryTheirContentHashAndAreKeptForEverWhileTheWidgetsAddressIsRevalidated()
    {
        using var client = _server.CreateAnonymousClient();
        var console = await client.GetStringAsync("/newsroom");
        var assets = AssetAddress().Matches(console).Select(match => match.Value).ToList();
        Assert.Equal(3, assets.Count); // livefeed.css, newsroom.css, newsroom.js

        foreach (var asset in assets)
        {
            using var response = await client.GetAsync(asset);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("public, max-age=31536000, immutable", response.Headers.CacheControl?.ToString());
        }

        using var widget = await client.GetAsync("/widget.js");
        Assert.Equal("no-cache", widget.Headers.CacheControl?.ToString());
        // The widget asks for the column's stylesheet by its hashed address, and it is there.
        var stylesheet = AssetAddress().Match(await widget.Content.ReadAsStringAsync());
        Assert.True(stylesheet.Success, "the widget names a hashed stylesheet");
        using var style = await client.GetAsync(stylesheet.Value);
        Assert.Equal(HttpStatusCode.OK, style.StatusCode);
        Assert.Equal("text/css", style.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task EveryPublicReadMayBeKeptAFewSecondsAndAnswersIfNoneMatchWith304UntilTheFeedChanges()
    {
        var feed = NewsroomRequests.UniqueFeed("cache");
        using var newsroom = _server.CreateNewsroomClient();
        var item = await newsroom.PublishAsync(feed, "Cached for a moment");
        using var reader = _server.CreateAnonymousClient();
        var reads = PublicReads(feed, item.Id);

        var tags = new Dictionary<string, EntityTagHeaderValue>();
        foreach (var read in reads)
        {
            using var first = await reader.GetAsync(read);
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            var cacheControl = first.Headers.CacheControl;
            Assert.True(cacheControl is { Public: true, MaxAge: { } maxAge } && maxAge > TimeSpan.Zero && maxAge <= TimeSpan.FromSeconds(5), $"{read}: Cache-Control {cacheControl}");
            tags[read] = first.Headers.ETag ?? throw new Xunit.Sdk.XunitException($"{read} has no ETag");

            using var again = await GetAsync(reader, read, tags[read]);
            Assert.True(again.StatusCode == HttpStatusCode.NotModified, $"{read} answered {again.StatusCode} to If-None-Match: {tags[read]}");
            Assert.Empty(await again.Content.ReadAsByteArrayAsync());
            Assert.Equal(tags[read], again.Headers.ETag);
            Assert.Equal(cacheControl, again.Headers.CacheControl);
        }

        // A correction changes every one of them: the old ETag no longer holds, the new answer shows it.
        using (var correction = await newsroom.PutAsJsonAsync($"/api/feeds/{feed}/items/{item.Id}", new { headline = "Cached, then corrected" }))
        {
            Assert.Equal(HttpStatusCode.OK, correction.StatusCode);
        }

        foreach (var read in reads)
        {
            using var changed = await GetAsync(reader, read, tags[read]);
            Assert.True(changed.StatusCode == HttpStatusCode.OK, $"{read} answered {changed.StatusCode} after a correction");
            Assert.NotEqual(tags[read], changed.Headers.ETag);
            Assert.Contains("Cached, then corrected", await changed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task EveryPublicReadAnswersHeadWithTheHeadersOfItsGetAndNoBody()
    {
        var feed = NewsroomRequests.UniqueFeed("head");
        using var newsroom = _server.CreateNewsroomClient();
        var item = await newsroom.PublishAsync(feed, "Asked for with HEAD");
        using var reader = _server.CreateAnonymousClient();
        string[] reads = [.. PublicReads(feed, item.Id), "/api/feeds", "/newsroom"];

        foreach (var read in reads)
        {
            using var get = await reader.GetAsync(read);
            var length = (await get.Content.ReadAsByteArrayAsync()).Length;
            using var head = await reader.SendAsync(new HttpRequestMessage(HttpMethod.Head, read));

            Assert.Equal(HttpStatusCode.OK, get.StatusCode);
            Assert.True(head.StatusCode == HttpStatusCode.OK, $"HEAD {read} answered {head.StatusCode}");
            Assert.Empty(await head.Content.ReadAsByteArrayAsync());
            Assert.Equal(get.Content.Headers.ContentType, head.Content.Headers.ContentType);
            Assert.Equal(get.Headers.ETag, head.Headers.ETag);
            Assert.Equal(get.Headers.CacheControl, head.Headers.CacheControl);
            if (head.Headers.ETag is { } tag)
            {
                Assert.Equal(length, head.Content.Headers.ContentLength);
                using var conditional = new HttpRequestMessage(HttpMethod.Head, read);
                conditional.Headers.IfNoneMatch.Add(tag);
                using var unchanged = await reader.SendAsync(conditional);
                Assert.True(unchanged.StatusCode == HttpStatusCode.NotModified, $"HEAD {read} with If-None-Match answered {unchanged.StatusCode}");
            }
        }

        using var unknown = await reader.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/api/feeds/{feed}/items/unknown"));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);

        // The newsroom's reads too: with the key as with GET, refused without it.
        foreach (var read in new[] { "/api/newsroom/me", $"/api/feeds/{feed}/items/{item.Id}/history", $"/api/feeds/{feed}/scheduled", $"/api/feeds/{feed}/audience" })
        {
            using var keyed = await newsroom.SendAsync(new HttpRequestMessage(HttpMethod.Head, read));
            using var anonymous = await reader.SendAsync(new HttpRequestMessage(HttpMethod.Head, read));
            Assert.True(keyed.StatusCode == HttpStatusCode.OK, $"HEAD {read} with the key answered {keyed.StatusCode}");
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }
    }

    [Fact]
    public async Task AnUnknownItemsProblemKeepsOneETagAndAnswersIfNoneMatchWith304()
    {
        var feed = NewsroomRequests.UniqueFeed("cache");
        using var reader = _server.CreateAnonymousClient();
        var read = $"/api/feeds/{feed}/items/0123456789abcdef0123456789abcdef";

        using var first = await reader.GetAsync(read);
        using var second = await reader.GetAsync(read);
        Assert.Equal(HttpStatusCode.NotFound, first.StatusCode);
        Assert.Equal("application/problem+json", first.Content.Headers.ContentType?.MediaType);
        var tag = first.Headers.ETag ?? throw new Xunit.Sdk.XunitException("the 404 has no ETag");
        Assert.Equal(tag, second.Headers.ETag); // each body has its own traceId; the tag names what it says
        using var again = await GetAsync(reader, read, tag);
        Assert.Equal(HttpStatusCode.NotModified, again.StatusCode);

        // Another unknown item says another thing: its tag is another.
        using var another = await reader.GetAsync($"/api/feeds/{feed}/items/fedcba9876543210fedcba9876543210");
        Assert.NotEqual(tag, another.Headers.ETag);
    }

    [Fact]
    public async Task WhatTheStoreCouldNotAnswerIsNeverKept()
    {
        await using var redis = await RedisServer.StartNewAsync();
        using var server = new LiveFeedServer(RedisSettings.For(redis));
        await redis.StopAsync();
        using var reader = server.CreateAnonymousClient();

        using var page = await reader.GetAsync("/?feed=away");
        using var items = await reader.GetAsync("/api/feeds/away/items");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode); // the page, without its items: its script reads them
        Assert.True(page.Headers.CacheControl?.NoStore, $"the page's Cache-Control is {page.Headers.CacheControl}");
        Assert.Null(page.Headers.ETag);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, items.StatusCode);
        Assert.False(items.Headers.CacheControl?.Public ?? false);
        Assert.Null(items.Headers.ETag);
    }

    public void Dispose() => _server.Dispose();

    /// <summary>The public reads of one feed that answer with a version: each may be kept and revalidated.</summary>
    private static string[] PublicReads(string feed, string itemId) =>
    [
        $"/api/feeds/{feed}/items", $"/api/feeds/{feed}/items/{itemId}", $"/api/feeds/{feed}/events", $"/?feed={feed}",
        $"/feeds/{feed}/items/{itemId}", $"/feeds/{feed}/column", $"/feeds/{feed}.atom", $"/feeds/{feed}.rss", $"/feeds/{feed}.json",
    ];

    private static async Task<HttpResponseMessage> GetAsync(HttpClient client, string path, EntityTagHeaderValue ifNoneMatch)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.IfNoneMatch.Add(ifNoneMatch);
        return await client.SendAsync(request);
    }

    [GeneratedRegex(@"/assets/[a-z]+-[A-Z0-9]{8}\.(?:js|css)")]
    private static partial Regex AssetAddress();
}
