using System.Net;
using System.Net.WebSockets;
using LiveFeed.Tests.Infrastructure;

namespace LiveFeed.Tests.Cors;

/// <summary>A server that lets one news site embed the widget, and one newsroom site write.</summary>
public sealed class CorsServer : IDisposable
{
    public const string NewsSite = "https://news.example";
    public const string NewsroomSite = "https://desk.example";
    public const string Stranger = "https://evil.example";

    public LiveFeedServer Server { get; } = new(new Dictionary<string, string?>
    {
        ["Cors:AllowedOrigins:0"] = NewsSite,
        ["Cors:WriteOrigins:0"] = NewsroomSite,
    });

    public void Dispose() => Server.Dispose();
}

/// <summary>
/// CORS: listed sites' pages may use the hub and the read API; writes cross origins only from a site listed for
/// writes; everyone else gets no CORS headers (the browser blocks), and a cross-origin write or WebSocket is refused.
/// </summary>
public sealed class CorsTests(CorsServer fixture) : IClassFixture<CorsServer>
{
    private readonly LiveFeedServer _server = fixture.Server;

    [Fact]
    public async Task AListedSiteMayNegotiateWithTheHubWithCredentials()
    {
        using var client = _server.CreateAnonymousClient();
        using var preflight = await client.SendAsync(Preflight("/hubs/feed/negotiate?negotiateVersion=1", CorsServer.NewsSite, "POST", "x-requested-with,x-signalr-user-agent"));

        Assert.Equal(HttpStatusCode.NoContent, preflight.StatusCode);
        Assert.Equal(CorsServer.NewsSite, Header(preflight, "Access-Control-Allow-Origin"));
        Assert.Equal("true", Header(preflight, "Access-Control-Allow-Credentials"));

        using var negotiate = new HttpRequestMessage(HttpMethod.Post, new Uri("/hubs/feed/negotiate?negotiateVersion=1", UriKind.Relative));
        negotiate.Headers.Add("Origin", CorsServer.NewsSite);
        using var negotiated = await client.SendAsync(negotiate);
        Assert.Equal(HttpStatusCode.OK, negotiated.StatusCode);
        Assert.Equal(CorsServer.NewsSite, Header(negotiated, "Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task AnUnlistedSiteGetsNoCorsHeadersFromTheHubOrTheReadApi()
    {
        using var client = _server.CreateAnonymousClient();
        using var preflight = await client.SendAsync(Preflight("/hubs/feed/negotiate?negotiateVersion=1", CorsServer.Stranger, "POST", "x-requested-with"));
        Assert.Null(Header(preflight, "Access-Control-Allow-Origin"));

        using var read = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/feeds/main/items", UriKind.Relative));
        read.Headers.Add("Origin", CorsServer.Stranger);
        using var answered = await client.SendAsync(read);
        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        Assert.Null(Header(answered, "Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task AListedSiteMayReadTheApiWithoutCredentials()
    {
        using var client = _server.CreateAnonymousClient();
        using var read = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/feeds/main/events", UriKind.Relative));
        read.Headers.Add("Origin", CorsServer.NewsSite);
        using var answered = await client.SendAsync(read);
        using var preflight = await client.SendAsync(Preflight("/api/feeds/main/items", CorsServer.NewsSite, "GET", "accept"));

        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        Assert.Equal(CorsServer.NewsSite, Header(answered, "Access-Control-Allow-Origin"));
        Assert.False(answered.Headers.Contains("Access-Control-Allow-Credentials"));
        Assert.Equal(CorsServer.NewsSite, Header(preflight, "Access-Control-Allow-Origin"));
        Assert.False(preflight.Headers.Contains("Access-Control-Allow-Credentials"));
    }

    [Fact]
    public async Task AReadersSiteMayNotWriteEvenWithTheKeyAndNothingIsStored()
    {
        using var client = _server.CreateAnonymousClient();
        var feed = NewsroomRequests.UniqueFeed("cors");
        using var preflight = await client.SendAsync(Preflight($"/api/feeds/{feed}/items", CorsServer.NewsSite, "POST", "authorization,content-type"));
        Assert.Null(Header(preflight, "Access-Control-Allow-Origin"));

        // A script that skips the preflight (or a tool that fakes an Origin) is refused by the server itself.
        using var write = Post(feed, CorsServer.NewsSite);
        using var refused = await client.SendAsync(write);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);

        var page = await client.GetStringAsync(new Uri($"/api/feeds/{feed}/events", UriKind.Relative));
        Assert.Contains("\"sequence\":0", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASiteListedForWritesMayWriteAndReadTheLocation()
    {
        using var client = _server.CreateAnonymousClient();
        var feed = NewsroomRequests.UniqueFeed("cors");
        using var preflight = await client.SendAsync(Preflight($"/api/feeds/{feed}/items", CorsServer.NewsroomSite, "POST", "authorization,content-type,idempotency-key"));
        Assert.Equal(CorsServer.NewsroomSite, Header(preflight, "Access-Control-Allow-Origin"));
        Assert.Contains("POST", Header(preflight, "Access-Control-Allow-Methods"), StringComparison.Ordinal);

        using var write = Post(feed, CorsServer.NewsroomSite);
        using var created = await client.SendAsync(write);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(CorsServer.NewsroomSite, Header(created, "Access-Control-Allow-Origin"));
        Assert.Contains("Location", Header(created, "Access-Control-Expose-Headers"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WritesFromTheServersOwnPagesAndFromToolsWithoutAnOriginAreTaken()
    {
        using var client = _server.CreateAnonymousClient();
        var feed = NewsroomRequests.UniqueFeed("cors");
        using var sameOrigin = Post(feed, _server.BaseAddress.GetLeftPart(UriPartial.Authority));
        using var fromPage = await client.SendAsync(sameOrigin);
        Assert.Equal(HttpStatusCode.Created, fromPage.StatusCode);

        using var noOrigin = Post(feed, null);
        using var fromTool = await client.SendAsync(noOrigin);
        Assert.Equal(HttpStatusCode.Created, fromTool.StatusCode);
    }

    [Fact]
    public async Task AWebSocketFromAnUnlistedSiteIsRefusedAndFromAListedOneIsServed()
    {
        await Assert.ThrowsAsync<WebSocketException>(() => ConnectWithOriginAsync(CorsServer.Stranger));

        using var socket = await ConnectWithOriginAsync(CorsServer.NewsSite);
        Assert.Equal(WebSocketState.Open, socket.State);
    }

    [Fact]
    public async Task UnconfiguredAnySiteMayEmbedTheWidgetButNoneMayWrite()
    {
        using var server = new LiveFeedServer();
        using var client = server.CreateAnonymousClient();
        using var negotiate = await client.SendAsync(Preflight("/hubs/feed/negotiate?negotiateVersion=1", CorsServer.Stranger, "POST", "x-requested-with"));
        Assert.Equal(CorsServer.Stranger, Header(negotiate, "Access-Control-Allow-Origin"));

        var feed = NewsroomRequests.UniqueFeed("cors");
        using var write = Post(feed, CorsServer.Stranger);
        using var refused = await client.SendAsync(write);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }

    private async Task<ClientWebSocket> ConnectWithOriginAsync(string origin)
    {
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Origin", origin);
        using var timeout = new CancellationTokenSource(TestReader.Timeout);
        try
        {
            await socket.ConnectAsync(new Uri($"ws://{_server.BaseAddress.Authority}/hubs/feed"), timeout.Token);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static HttpRequestMessage Preflight(string url, string origin, string method, string headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, new Uri(url, UriKind.Relative));
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", method);
        request.Headers.Add("Access-Control-Request-Headers", headers);
        return request;
    }

    private static HttpRequestMessage Post(string feed, string? origin)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"/api/feeds/{feed}/items", UriKind.Relative))
        {
            Content = new StringContent("""{"headline":"Cross-origin?"}""", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new("Bearer", LiveFeedServer.NewsroomKey);
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        return request;
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : null;
}
