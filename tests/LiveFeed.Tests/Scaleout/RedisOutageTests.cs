using System.Net;
using System.Net.Http.Json;
using LiveFeed.Contracts;
using LiveFeed.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR;

namespace LiveFeed.Tests.Scaleout;

/// <summary>What an instance does while its Redis is away, and after it is back.</summary>
public sealed class RedisOutageTests
{
    [Fact]
    public async Task WhileRedisIsDownReadyAndWritesAnswer503AndStoreNothingThenBothRecoverByThemselves()
    {
        await using var redis = await RedisServer.StartNewAsync(appendOnly: true);
        using var server = new LiveFeedServer(RedisSettings.For(redis));
        await Eventually.ReadyAnswersAsync(server.BaseAddress, HttpStatusCode.OK);
        using var newsroom = server.CreateNewsroomClient();
        var feed = NewsroomRequests.UniqueFeed("outage");
        var before = await newsroom.PublishAsync(feed, "Before the outage");

        await redis.StopAsync();
        await Eventually.ReadyAnswersAsync(server.BaseAddress, HttpStatusCode.ServiceUnavailable);
        using var refused = await newsroom.PostAsJsonAsync($"/api/feeds/{feed}/items", new { headline = "During the outage" });

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Nothing was stored", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var unread = await newsroom.GetAsync(new Uri($"/api/feeds/{feed}/items", UriKind.Relative));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, unread.StatusCode);
        Assert.DoesNotContain("stored", await unread.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        await redis.StartAsync();
        await Eventually.ReadyAnswersAsync(server.BaseAddress, HttpStatusCode.OK);
        var after = await newsroom.PublishAsync(feed, "After the outage");

        var events = await newsroom.GetFromJsonAsync<FeedPage>($"/api/feeds/{feed}/events?epoch={Uri.EscapeDataString(await EpochAsync(newsroom, feed))}&after=0");
        Assert.Equal([(1L, before.Id), (2L, after.Id)], events!.Events.Select(e => (e.Sequence, e.Item.Id)));
        Assert.Equal(["After the outage", "Before the outage"], (await newsroom.GetFromJsonAsync<ItemsPage>($"/api/feeds/{feed}/items"))!.Items.Select(i => i.Headline));
    }

    [Fact]
    public async Task AWriteRedisAnswersTooLateIsAnsweredByWhatHappenedAndReachesReaders()
    {
        await using var redis = await RedisServer.StartNewAsync();
        using var server = new LiveFeedServer(RedisSettings.For(redis));
        using var newsroom = server.CreateNewsroomClient();
        var feed = NewsroomRequests.UniqueFeed("late");
        var before = await newsroom.PublishAsync(feed, "Before the pause");
        await using var reader = await server.ConnectReaderAsync();
        var page = await reader.SubscribeAsync(feed, (await newsroom.GetFromJsonAsync<FeedPage>($"/api/feeds/{feed}/events"))!.Epoch, 1);

        // Redis holds every command for longer than the client's 5 s timeout, then runs them: the write happens late.
        Assert.StartsWith("+OK", await redis.SendAsync("CLIENT PAUSE 7000 ALL\r\n"), StringComparison.Ordinal);
        using var late = await newsroom.PostAsJsonAsync($"/api/feeds/{feed}/items", new { headline = "During the pause" });

        Assert.Equal(HttpStatusCode.Created, late.StatusCode);
        var item = (await late.Content.ReadFromJsonAsync<FeedItem>())!;
        // The first event's broadcast may arrive after the Subscribe that already covered it: a reader skips what it has.
        FeedEvent live;
        do
        {
            live = await reader.NextEventAsync(TimeSpan.FromSeconds(20));
        }
        while (live.Sequence <= page.Sequence);

        Assert.Equal((page.Sequence + 1, item.Id), (live.Sequence, live.Item.Id));
        var items = (await newsroom.GetFromJsonAsync<ItemsPage>($"/api/feeds/{feed}/items"))!.Items;
        Assert.Equal([item.Id, before.Id], items.Select(i => i.Id));
    }

    [Fact]
    public async Task ASubscribeWhileRedisIsDownIsRefusedSayingSoAndWorksOnceRedisIsBack()
    {
        await using var redis = await RedisServer.StartNewAsync();
        using var server = new LiveFeedServer(RedisSettings.For(redis));
        await using var reader = await server.ConnectReaderAsync();
        var feed = NewsroomRequests.UniqueFeed("away");

        // A first Subscribe answered: the connection's own set-up on the backplane is done before Redis goes.
        await reader.SubscribeAsync(NewsroomRequests.UniqueFeed("before"));
        await redis.StopAsync();
        var refused = await Assert.ThrowsAsync<HubException>(() => reader.SubscribeAsync(feed));

        Assert.Contains("cannot be reached right now", refused.Message, StringComparison.Ordinal);
        await redis.StartAsync();
        await Eventually.ReadyAnswersAsync(server.BaseAddress, HttpStatusCode.OK);
        using var newsroom = server.CreateNewsroomClient();
        var page = await reader.SubscribeAsync(feed);
        var item = await newsroom.PublishAsync(feed, "Back");
        Assert.Equal(item.Id, (await reader.NextEventAsync()).Item.Id);
        Assert.Equal(0, page.Sequence);
    }

    [Fact]
    public async Task ANewReaderWhileRedisIsDownIsToldToComeBackLaterAndGetsInOnceItIsBack()
    {
        await using var redis = await RedisServer.StartNewAsync();
        using var server = new LiveFeedServer(RedisSettings.For(redis));
        using var anonymous = server.CreateAnonymousClient();

        await redis.StopAsync();
        await Eventually.ReadyAnswersAsync(server.BaseAddress, HttpStatusCode.ServiceUnavailable);
        using var negotiate = await anonymous.PostAsync(new Uri("/hubs/feed/negotiate?negotiateVersion=1", UriKind.Relative), null);
        var refused = await Assert.ThrowsAnyAsync<Exception>(() => server.ConnectReaderAsync());

        // Refused before the connection opens, not accepted and then dropped: the reader knows when to come back.
        Assert.Equal(HttpStatusCode.ServiceUnavailable, negotiate.StatusCode);
        Assert.NotNull(negotiate.Headers.RetryAfter);
        Assert.Equal("application/problem+json", negotiate.Content.Headers.ContentType?.MediaType);
        Assert.Contains("503", refused.ToString(), StringComparison.Ordinal);
        await redis.StartAsync();
        await Eventually.ReadyAnswersAsync(server.BaseAddress, HttpStatusCode.OK);
        await using var reader = await server.ConnectReaderAsync();
        var feed = NewsroomRequests.UniqueFeed("back");
        await reader.SubscribeAsync(feed);
        using var newsroom = server.CreateNewsroomClient();
        var item = await newsroom.PublishAsync(feed, "Back");
        Assert.Equal(item.Id, (await reader.NextEventAsync()).Item.Id);
    }

    private static async Task<string> EpochAsync(HttpClient client, string feed) =>
        (await client.GetFromJsonAsync<FeedPage>($"/api/feeds/{feed}/events"))!.Epoch;
}
