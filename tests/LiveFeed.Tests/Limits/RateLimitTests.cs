using System.Globalization;
using System.Net;
using System.Net.WebSockets;
using LiveFeed.Server.Newsroom;
using LiveFeed.Tests.Api;
using LiveFeed.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using static LiveFeed.Tests.Limits.LimitTestSupport;

namespace LiveFeed.Tests.Limits;

/// <summary>
/// Each rate limit, hit and recovered from: the contract's answer past it (429 with Retry-After, or a
/// HubException on the hub), nothing done for the refused call, and the same call working once the window
/// has passed. Windows are short (5 s) so that recovery comes soon; every wait has a deadline.
/// </summary>
public sealed class RateLimitTests
{
    private static readonly TimeSpan Recovery = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task WritesPastTheKeysLimitAnswer429WithRetryAfterStoreNothingAndWorkAgainAfterTheWindow()
    {
        const string otherKey = "another-newsroom-key-9876543210";
        using var server = new LiveFeedServer(new Dictionary<string, string?>
        {
            ["Limits:Writes:TokenLimit"] = "3",
            ["Limits:Writes:TokensPerPeriod"] = "3",
            ["Limits:Writes:ReplenishmentPeriod"] = "00:00:05",
            ["Newsroom:ApiKeys:wire"] = NewsroomKeys.Hash(otherKey),
        });
        using var client = server.CreateAnonymousClient();
        var feed = NewsroomRequests.UniqueFeed("rate");

        for (var i = 0; i < 3; i++)
        {
            using var accepted = await client.SendAsync(Post($"/api/feeds/{feed}/items", $$"""{"headline":"Burst {{i}}"}"""));
            Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);
        }

        var stored = await client.StoredEventsAsync(feed);
        using (var refused = await client.SendAsync(Post($"/api/feeds/{feed}/items", """{"headline":"One too many"}""")))
        {
            Assert.InRange(await AssertTooManyRequestsAsync(refused), 1, 5);
        }

        Assert.Equal(stored, await client.StoredEventsAsync(feed));

        // Another newsroom key has its own budget.
        using (var other = await client.SendAsync(Post($"/api/feeds/{feed}/items", """{"headline":"From the wire desk"}""", otherKey)))
        {
            Assert.Equal(HttpStatusCode.Created, other.StatusCode);
        }

        // Corrections and retractions count too.
        using (var put = new HttpRequestMessage(HttpMethod.Put, new Uri($"/api/feeds/{feed}/items/0000", UriKind.Relative)))
        {
            put.Headers.Authorization = new("Bearer", LiveFeedServer.NewsroomKey);
            put.Content = Api.Api.Json("""{"headline":"x"}""");
            using var refusedPut = await client.SendAsync(put);
            await AssertTooManyRequestsAsync(refusedPut);
        }

        await Eventually.HoldsAsync(async () =>
        {
            using var retry = await client.SendAsync(Post($"/api/feeds/{feed}/items", """{"headline":"After the window"}"""));
            return retry.StatusCode == HttpStatusCode.Created;
        }, "a write is accepted again after the window", Recovery);
    }

    [Fact]
    public async Task WritesWithAWrongKeyAreLimitedPerAddressSoKeysCannotBeGuessedAtSpeed()
    {
        using var server = ServerWith(
            ("Limits:Writes:TokenLimit", "2"), ("Limits:Writes:TokensPerPeriod", "2"), ("Limits:Writes:ReplenishmentPeriod", "00:00:05"));
        using var client = server.CreateAnonymousClient();

        for (var i = 0; i < 2; i++)
        {
            using var unauthorized = await client.SendAsync(Post("/api/feeds/main/items", """{"headline":"x"}""", $"guess-{i}"));
            Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);
        }

        using var refused = await client.SendAsync(Post("/api/feeds/main/items", """{"headline":"x"}""", "guess-3"));
        await AssertTooManyRequestsAsync(refused);

        // The right key is not held back by someone else's guesses.
        using var accepted = await client.SendAsync(Post("/api/feeds/main/items", """{"headline":"Real"}"""));
        Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);
    }

    [Fact]
    public async Task ReadsAreNotRateLimited()
    {
        using var server = ServerWith(
            ("Limits:Writes:TokenLimit", "1"), ("Limits:Writes:TokensPerPeriod", "1"), ("Limits:NewConnections:TokenLimit", "1"), ("Limits:NewConnections:TokensPerPeriod", "1"));
        using var client = server.CreateAnonymousClient();

        for (var i = 0; i < 50; i++)
        {
            using var response = await client.GetAsync(new Uri("/api/feeds/main/items", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    [Fact]
    public async Task HubCallsPastTheConnectionsLimitAnswerAHubExceptionAndWorkAgainAfterTheWindow()
    {
        using var server = ServerWith(
            ("Limits:HubInvocations:TokenLimit", "3"), ("Limits:HubInvocations:TokensPerPeriod", "3"), ("Limits:HubInvocations:ReplenishmentPeriod", "00:00:05"));
        await using var reader = await server.ConnectReaderAsync();
        await using var neighbour = await server.ConnectReaderAsync();

        for (var i = 0; i < 3; i++)
        {
            await reader.SubscribeAsync($"feed-{i}");
        }

        var refused = await Assert.ThrowsAsync<HubException>(() => reader.SubscribeAsync("feed-3"));
        Assert.Contains("Too many calls", refused.Message, StringComparison.Ordinal);
        Assert.Equal(HubConnectionState.Connected, reader.Connection.State);

        // The limit is the connection's own: another reader subscribes freely.
        await neighbour.SubscribeAsync("feed-3");

        await Eventually.HoldsAsync(async () =>
        {
            try
            {
                await reader.SubscribeAsync("feed-3");
                return true;
            }
            catch (HubException)
            {
                return false;
            }
        }, "Subscribe works again after the window", Recovery);
    }

    [Fact]
    public async Task NewConnectionsPastTheAddressLimitAnswer429WithRetryAfterAndWorkAgainAfterTheWindow()
    {
        using var server = ServerWith(
            ("Limits:NewConnections:TokenLimit", "2"), ("Limits:NewConnections:TokensPerPeriod", "2"), ("Limits:NewConnections:ReplenishmentPeriod", "00:00:05"));
        using var client = server.CreateAnonymousClient();
        await using var connected = await server.ConnectReaderAsync();

        using (var negotiated = await NegotiateAsync(client))
        {
            Assert.Equal(HttpStatusCode.OK, negotiated.StatusCode);
        }

        using (var refused = await NegotiateAsync(client))
        {
            await AssertTooManyRequestsAsync(refused);
        }

        // A WebSocket connect without negotiation counts too, and is refused the same way, before it opens.
        using (var socket = new ClientWebSocket { Options = { CollectHttpResponseDetails = true } })
        {
            using var timeout = new CancellationTokenSource(TestReader.Timeout);
            var hub = new UriBuilder(new Uri(server.BaseAddress, "/hubs/feed")) { Scheme = "ws" }.Uri;
            await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(hub, timeout.Token));
            Assert.Equal(HttpStatusCode.TooManyRequests, socket.HttpStatusCode);
            Assert.True(int.Parse(socket.HttpResponseHeaders!["Retry-After"].Single(), CultureInfo.InvariantCulture) >= 1);
        }

        // The connection already open is not touched.
        var feed = NewsroomRequests.UniqueFeed("conn");
        await connected.SubscribeAsync(feed);
        using var newsroom = server.CreateNewsroomClient();
        await newsroom.PublishAsync(feed, "Still delivered");
        Assert.Equal("Still delivered", (await connected.NextEventAsync()).Item.Headline);

        await Eventually.HoldsAsync(async () =>
        {
            using var retry = await NegotiateAsync(client);
            return retry.StatusCode == HttpStatusCode.OK;
        }, "a new connection is accepted again after the window", Recovery);
    }

    [Fact]
    public async Task ConnectionsPastTheInstanceCapAnswer503WithRetryAfterAndAreTakenOnceOneLeaves()
    {
        using var server = ServerWith(("Limits:MaxReaderConnections", "2"));
        using var client = server.CreateAnonymousClient();
        var first = await server.ConnectReaderAsync();
        await using var second = await server.ConnectReaderAsync();

        using (var refused = await NegotiateAsync(client))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            AssertRetryAfter(refused);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        }

        await Assert.ThrowsAnyAsync<Exception>(async () => await server.ConnectReaderAsync());

        await first.DisposeAsync();
        TestReader? third = null;
        await Eventually.HoldsAsync(async () =>
        {
            try
            {
                third = await server.ConnectReaderAsync();
                return true;
            }
            catch (Exception exception) when (exception is HttpRequestException or System.Net.WebSockets.WebSocketException or InvalidOperationException or HubException)
            {
                return false;
            }
        }, "a reader is taken once another left", Recovery);

        await using (third)
        {
            var feed = NewsroomRequests.UniqueFeed("cap");
            await third!.SubscribeAsync(feed);
            using var newsroom = server.CreateNewsroomClient();
            await newsroom.PublishAsync(feed, "For the newcomer");
            Assert.Equal("For the newcomer", (await third.NextEventAsync()).Item.Headline);
        }
    }
}
