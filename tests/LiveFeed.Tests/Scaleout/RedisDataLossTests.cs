using System.Net;
using System.Net.Http.Json;
using LiveFeed.Contracts;
using LiveFeed.Tests.Infrastructure;

namespace LiveFeed.Tests.Scaleout;

/// <summary>What readers see when Redis restarts with its data, or loses it.</summary>
public sealed class RedisDataLossTests
{
    [Fact]
    public async Task ARedisRestartedWithAppendOnlyLosesNoAcknowledgedItemAndKeepsTheEpoch()
    {
        await using var redis = await RedisServer.StartNewAsync(appendOnly: true);
        using var server = new LiveFeedServer(RedisSettings.For(redis));
        await Eventually.ReadyAnswersAsync(server.BaseAddress, HttpStatusCode.OK);
        using var newsroom = server.CreateNewsroomClient();
        var feed = NewsroomRequests.UniqueFeed("aof");
        var posted = new List<string>();
        for (var i = 1; i <= 50; i++)
        {
            posted.Add((await newsroom.PublishAsync(feed, $"Item {i}")).Id);
        }

        var epoch = (await newsroom.GetFromJsonAsync<FeedPage>($"/api/feeds/{feed}/events"))!.Epoch;

        await redis.StopAsync();
        await redis.StartAsync();
        await Eventually.ReadyAnswersAsync(server.BaseAddress, HttpStatusCode.OK);

        var page = (await newsroom.GetFromJsonAsync<FeedPage>($"/api/feeds/{feed}/events?epoch={epoch}&after=0"))!;
        Assert.False(page.Reset);
        Assert.Equal(posted, page.Events.Select(e => e.Item.Id));
        await newsroom.PublishAsync(feed, "After the restart");
        Assert.Equal(51, (await newsroom.GetFromJsonAsync<FeedPage>($"/api/feeds/{feed}/events?epoch={epoch}&after=50"))!.Events.Single().Sequence);
    }

    [Fact]
    public async Task AfterRedisIsWipedTheEpochChangesAndAReaderWithAnOldPositionIsReset()
    {
        await using var redis = await RedisServer.StartNewAsync();
        using var server = new LiveFeedServer(RedisSettings.For(redis));
        await Eventually.ReadyAnswersAsync(server.BaseAddress, HttpStatusCode.OK);
        using var newsroom = server.CreateNewsroomClient();
        var feed = NewsroomRequests.UniqueFeed("wiped");
        for (var i = 1; i <= 3; i++)
        {
            await newsroom.PublishAsync(feed, $"Before {i}");
        }

        await using var follower = new FeedFollower(feed, [server.BaseAddress]);
        await follower.StartAsync();
        var oldEpoch = follower.Epoch!;

        await redis.FlushAllAsync();
        var oldPosition = (await newsroom.GetFromJsonAsync<FeedPage>($"/api/feeds/{feed}/events?epoch={oldEpoch}&after=3"))!;
        var after = await newsroom.PublishAsync(feed, "After the wipe");

        Assert.True(oldPosition.Reset);
        Assert.NotEqual(oldEpoch, oldPosition.Epoch);
        Assert.Equal(0, oldPosition.Sequence);
        await Eventually.HoldsAsync(() => Task.FromResult(follower.Epoch != oldEpoch && follower.Last == 1), "the reader moved to the new epoch");
        Assert.Equal(oldPosition.Epoch, follower.Epoch);
        Assert.Equal(1, follower.Resets);
    }
}
