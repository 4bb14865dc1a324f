using System.Net;
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

    public void Dispose() => _server.Dispose();

    [GeneratedRegex(@"/assets/[a-z]+-[A-Z0-9]{8}\.(?:js|css)")]
    private static partial Regex AssetAddress();
}
