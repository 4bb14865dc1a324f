using System.Net;
using System.Net.Http.Json;
using LiveFeed.Server.Audience;
using LiveFeed.Tests.Infrastructure;
using Microsoft.AspNetCore.Http.Connections;
using TestApi = LiveFeed.Tests.Api.Api;

namespace LiveFeed.Tests.Scaleout;

/// <summary>
/// <c>GET /api/feeds/{feed}/audience</c>: the readers following a feed right now, hub connections in both protocols and
/// Server-Sent Events streams, on one instance in memory and summed over every instance on Redis; a killed instance's
/// readers stop counting within the report lifetime. The gauge is checked on server processes only: meters are
/// process-wide, and in-process hosts of parallel tests would add up.
/// </summary>
public sealed class AudienceTests
{
    // The contract's bound: a count is at most 10 s old. A killed instance's readers must be gone from it within that.
    private static readonly TimeSpan ContractAge = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task OneInstanceCountsHubReadersInBothProtocolsAndStreamsAndForgetsThemWhenTheyLeave()
    {
        using var server = new LiveFeedServer();
        using var newsroom = server.CreateNewsroomClient();
        var feed = NewsroomRequests.UniqueFeed("aud");
        var other = NewsroomRequests.UniqueFeed("aud");
        Assert.Equal(0, (await AudienceAsync(newsroom, feed)).Readers);

        await using var json = await server.ConnectReaderAsync(HubProtocolKind.Json);
        await using var messagePack = await server.ConnectReaderAsync(HubProtocolKind.MessagePack, HttpTransportType.LongPolling);
        await json.SubscribeAsync(feed);
        await messagePack.SubscribeAsync(feed);
        await messagePack.SubscribeAsync(other);
        var stream = await EventStreamClient.OpenAsync(server.BaseAddress, feed);
        await stream.NextAsync();

        var counted = await AudienceAsync(newsroom, feed);
        Assert.Equal(3, counted.Readers);
        Assert.Equal(feed, counted.Feed);
        Assert.InRange(counted.At, DateTime.UtcNow - ContractAge, DateTime.UtcNow + TimeSpan.FromSeconds(1));
        Assert.Equal(1, (await AudienceAsync(newsroom, other)).Readers);

        await json.UnsubscribeAsync(feed);
        Assert.Equal(2, (await AudienceAsync(newsroom, feed)).Readers);
        await stream.DisposeAsync();
        await Eventually.HoldsAsync(async () => (await AudienceAsync(newsroom, feed)).Readers == 1, "the closed stream stops counting");
        await messagePack.DisposeAsync();
        await Eventually.HoldsAsync(async () => (await AudienceAsync(newsroom, other)).Readers == 0, "the closed connection stops counting");
        Assert.Equal(0, (await AudienceAsync(newsroom, feed)).Readers);
    }

    [Fact]
    public async Task TheAudienceNeedsANewsroomKeyAndAFeedName()
    {
        using var server = new LiveFeedServer();
        using var anonymous = server.CreateAnonymousClient();
        using var newsroom = server.CreateNewsroomClient();

        using var withoutKey = await anonymous.GetAsync(new Uri("/api/feeds/main/audience", UriKind.Relative));
        using var badName = await newsroom.GetAsync(new Uri("/api/feeds/Not_A_Feed/audience", UriKind.Relative));

        await TestApi.AssertProblemAsync(withoutKey, HttpStatusCode.Unauthorized);
        Assert.Contains(withoutKey.Headers.WwwAuthenticate, challenge => challenge.Scheme == "Bearer");
        await TestApi.AssertInvalidAsync(badName, "feed");
    }

    [Fact]
    public async Task ThreeInstancesOnRedisSumTheirReadersAndAKilledInstancesReadersStopCountingWithinTheReportLifetime()
    {
        await using var redis = await RedisServer.StartNewAsync();
        await using var first = new LiveFeedProcess(RedisSettings.For(redis));
        await using var second = new LiveFeedProcess(RedisSettings.For(redis));
        await using var killed = new LiveFeedProcess(RedisSettings.For(redis));
        LiveFeedProcess[] servers = [first, second, killed];
        await Task.WhenAll(servers.Select(server => server.StartAsync()));
        var feed = NewsroomRequests.UniqueFeed("aud");
        var readers = new List<IAsyncDisposable>();
        try
        {
            // first: two hub readers; second: one hub reader and one stream; killed: three streams. 7 in all.
            readers.Add(await HubReaderAsync(first, feed, HubProtocolKind.Json));
            readers.Add(await HubReaderAsync(first, feed, HubProtocolKind.MessagePack));
            readers.Add(await HubReaderAsync(second, feed, HubProtocolKind.MessagePack));
            readers.Add(await StreamAsync(second, feed));
            for (var i = 0; i < 3; i++)
            {
                readers.Add(await StreamAsync(killed, feed));
            }

            foreach (var server in servers)
            {
                using var newsroom = server.CreateNewsroomClient();
                await Eventually.HoldsAsync(async () => (await AudienceAsync(newsroom, feed)).Readers == 7, $"{server.BaseAddress} counts 7 readers", ContractAge);
            }

            await killed.KillAsync();

            using var survivor = first.CreateNewsroomClient();
            await Eventually.HoldsAsync(
                async () => (await AudienceAsync(survivor, feed)).Readers == 4,
                $"the killed instance's readers stop counting within {RedisAudienceCounts.Lifetime.TotalSeconds} s (bounded here by the contract's 10 s)",
                ContractAge);
            var after = await AudienceAsync(survivor, feed);
            Assert.InRange(after.At, DateTime.UtcNow - ContractAge, DateTime.UtcNow + TimeSpan.FromSeconds(1));

            // Each instance exports its own readers, without a feed label: their sum is the audience of every feed.
            Assert.Equal(4, (await PrometheusScrape.TakeAsync(first.BaseAddress)).Value("livefeed_subscriptions")
                + (await PrometheusScrape.TakeAsync(second.BaseAddress)).Value("livefeed_subscriptions"));
        }
        finally
        {
            foreach (var reader in readers)
            {
                await reader.DisposeAsync();
            }
        }
    }

    private static async Task<TestReader> HubReaderAsync(LiveFeedProcess server, string feed, HubProtocolKind protocol)
    {
        var reader = new TestReader(new Uri(server.BaseAddress, "/hubs/feed"), protocol, HttpTransportType.WebSockets);
        await reader.StartAsync();
        await reader.SubscribeAsync(feed);
        return reader;
    }

    private static async Task<EventStreamClient> StreamAsync(LiveFeedProcess server, string feed)
    {
        var stream = await EventStreamClient.OpenAsync(server.BaseAddress, feed);
        await stream.NextAsync();
        return stream;
    }

    [Fact]
    public async Task WhileRedisIsBusyWithAScriptTheAudienceAnswers503WithRetryAfterAndCountsAgainAfterwards()
    {
        await using var redis = await RedisServer.StartNewAsync();
        using var server = new LiveFeedServer(RedisSettings.For(redis));
        using var newsroom = server.CreateNewsroomClient();
        var feed = NewsroomRequests.UniqueFeed("aud");
        await using var reader = await server.ConnectReaderAsync();
        await reader.SubscribeAsync(feed);
        await Eventually.HoldsAsync(async () => (await AudienceAsync(newsroom, feed)).Readers == 1, "the reader is reported");

        // A script that runs past the busy threshold: Redis answers every other command BUSY until it ends.
        Assert.StartsWith("+OK", await redis.SendAsync("CONFIG SET busy-reply-threshold 100\r\n"), StringComparison.Ordinal);
        var busy = redis.SendAsync("EVAL \"local stop = redis.call('TIME')[1] + 3 while tonumber(redis.call('TIME')[1]) < stop do end return 1\" 0\r\n");
        await Eventually.HoldsAsync(async () => (await redis.SendAsync("GET nothing\r\n")).StartsWith("-BUSY", StringComparison.Ordinal), "Redis is busy");

        using var refused = await newsroom.GetAsync(new Uri($"/api/feeds/{feed}/audience", UriKind.Relative));

        await TestApi.AssertProblemAsync(refused, HttpStatusCode.ServiceUnavailable);
        Assert.NotNull(refused.Headers.RetryAfter);
        Assert.Equal(":1", await busy);
        await Eventually.HoldsAsync(async () => (await AudienceAsync(newsroom, feed)).Readers == 1, "the count is back");
    }

    private static async Task<Answer> AudienceAsync(HttpClient newsroom, string feed)
    {
        using var response = await newsroom.GetAsync(new Uri($"/api/feeds/{feed}/audience", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<Answer>())!;
    }

    private sealed record Answer(string Feed, long Readers, DateTime At);
}
