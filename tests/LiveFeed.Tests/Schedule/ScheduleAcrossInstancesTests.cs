using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using LiveFeed.Contracts;
using LiveFeed.Tests.Infrastructure;
using Microsoft.AspNetCore.Http.Connections;

namespace LiveFeed.Tests.Schedule;

/// <summary>
/// Scheduled items on a real redis-server with real server processes that are killed (SIGKILL) and started again: an
/// item goes out once, under its id, whichever instances are up; a cancelled one never does.
/// </summary>
public sealed class ScheduleAcrossInstancesTests
{
    // Not a speed goal: only long enough that a lost item is told apart from a late one on a loaded machine.
    private static readonly TimeSpan GenerousLateness = TimeSpan.FromSeconds(30);

    private static string Timestamp(DateTime time) => time.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static async Task<ScheduledItem> ScheduleAsync(HttpClient newsroom, string feed, string headline, DateTime publishAt)
    {
        using var response = await newsroom.PostAsJsonAsync($"/api/feeds/{feed}/items", new { headline, publishAt = Timestamp(publishAt) });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<ScheduledItem>())!;
    }

    /// <summary>Every event the feed keeps, oldest first.</summary>
    private static async Task<IReadOnlyList<FeedEvent>> EventsAsync(HttpClient client, string feed)
    {
        var head = (await client.GetFromJsonAsync<FeedPage>($"/api/feeds/{feed}/events"))!;
        return (await client.GetFromJsonAsync<FeedPage>($"/api/feeds/{feed}/events?epoch={head.Epoch}&after=0"))!.Events;
    }

    private static Task WaitUntilPublishedAsync(HttpClient client, string feed, string id) =>
        Eventually.HoldsAsync(
            async () => (await client.GetAsync(new Uri($"/api/feeds/{feed}/items/{id}", UriKind.Relative))).StatusCode == HttpStatusCode.OK,
            $"scheduled item {id} is published", TimeSpan.FromSeconds(90));

    /// <summary>
    /// The first instance claims the due item and stalls (a test-only switch) before publishing it, or after publishing it
    /// but before removing it from the schedule, as one that dies there would; it is killed there.
    /// </summary>
    [Theory]
    [InlineData("AfterClaim")]
    [InlineData("AfterPublish")]
    public async Task AnItemClaimedByAnInstanceThatIsKilledGoesOutOnceFromAnotherAndACancelledOneNever(string killedWhere)
    {
        await using var redis = await RedisServer.StartNewAsync();
        var stalling = RedisSettings.For(redis);
        stalling["Schedule:StallForTests"] = killedWhere;
        stalling["Schedule:ClaimLease"] = "00:00:02";
        await using var doomed = new LiveFeedProcess(stalling);
        await doomed.StartAsync();
        using var onDoomed = doomed.CreateNewsroomClient();
        var feed = NewsroomRequests.UniqueFeed("claimed");
        // Room for two posts and a cancel before it is due, the first requests to a new process being slow.
        var publishAt = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        var item = await ScheduleAsync(onDoomed, feed, "Goes out once", publishAt);
        var cancelled = await ScheduleAsync(onDoomed, feed, "Never goes out", publishAt);
        using var cancel = await onDoomed.DeleteAsync(new Uri($"/api/feeds/{feed}/scheduled/{cancelled.Id}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NoContent, cancel.StatusCode);

        // Claimed: no longer waiting (not listed); published or not, as the stall point says.
        await Eventually.HoldsAsync(
            async () => (await onDoomed.GetFromJsonAsync<ScheduledItemsPage>($"/api/feeds/{feed}/scheduled"))!.Items.Count == 0,
            "the stalling instance claims the item", TimeSpan.FromSeconds(60));
        if (killedWhere == "AfterPublish")
        {
            await WaitUntilPublishedAsync(onDoomed, feed, item.Id);
        }
        else
        {
            Assert.Equal(HttpStatusCode.NotFound, (await onDoomed.GetAsync(new Uri($"/api/feeds/{feed}/items/{item.Id}", UriKind.Relative))).StatusCode);
        }

        Assert.Equal(":1", await redis.SendAsync("ZCARD livefeed:{schedule}:leases\r\n"));
        await doomed.KillAsync();

        await using var survivor = new LiveFeedProcess(RedisSettings.For(redis));
        await survivor.StartAsync();
        using var onSurvivor = survivor.CreateNewsroomClient();
        await WaitUntilPublishedAsync(onSurvivor, feed, item.Id);
        // The survivor claims it again once the lease has run out, publishes it (or finds it published) and removes it.
        await Eventually.HoldsAsync(
            async () => await redis.SendAsync("ZCARD livefeed:{schedule}:leases\r\n") == ":0",
            "the other instance completes the item", TimeSpan.FromSeconds(60));

        var events = await EventsAsync(onSurvivor, feed);
        var published = Assert.Single(events);
        Assert.Equal((FeedEventKind.Published, item.Id, "Goes out once"), (published.Kind, published.Item.Id, published.Item.Headline));
        Assert.InRange(published.Item.PublishedAt, publishAt, publishAt + GenerousLateness);
        Assert.Equal(HttpStatusCode.NotFound, (await onSurvivor.GetAsync(new Uri($"/api/feeds/{feed}/items/{cancelled.Id}", UriKind.Relative))).StatusCode);
        Assert.Empty((await onSurvivor.GetFromJsonAsync<ScheduledItemsPage>($"/api/feeds/{feed}/scheduled"))!.Items);
        using var cancelAfter = await onSurvivor.DeleteAsync(new Uri($"/api/feeds/{feed}/scheduled/{item.Id}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, cancelAfter.StatusCode);
    }

    [Fact]
    public async Task AScheduleSurvivesARestartOfEveryInstanceAndGoesOutOnceToReadersOnBoth()
    {
        await using var redis = await RedisServer.StartNewAsync();
        await using var first = new LiveFeedProcess(RedisSettings.For(redis));
        await using var second = new LiveFeedProcess(RedisSettings.For(redis));
        await Task.WhenAll(first.StartAsync(), second.StartAsync());
        var feed = NewsroomRequests.UniqueFeed("restart");
        using var onFirst = first.CreateNewsroomClient();
        var item = await ScheduleAsync(onFirst, feed, "Before the restart", DateTime.UtcNow + TimeSpan.FromMinutes(5));
        // Far enough ahead for two processes to start again on a loaded machine (5 s here, more under load).
        var publishAt = DateTime.UtcNow + TimeSpan.FromSeconds(35);
        using var replace = await onFirst.PutAsJsonAsync($"/api/feeds/{feed}/scheduled/{item.Id}", new { headline = "Replaced before the restart", publishAt = Timestamp(publishAt) });
        Assert.Equal(HttpStatusCode.OK, replace.StatusCode);
        Assert.Equal("Replaced before the restart", Assert.Single((await onFirst.GetFromJsonAsync<ScheduledItemsPage>($"/api/feeds/{feed}/scheduled"))!.Items).Headline);

        await Task.WhenAll(first.KillAsync(), second.KillAsync());
        await Task.WhenAll(first.StartAsync(), second.StartAsync());
        await using var readerOnFirst = new TestReader(new Uri(first.BaseAddress, "/hubs/feed"), HubProtocolKind.Json, HttpTransportType.WebSockets);
        await using var readerOnSecond = new TestReader(new Uri(second.BaseAddress, "/hubs/feed"), HubProtocolKind.MessagePack, HttpTransportType.WebSockets);
        foreach (var reader in new[] { readerOnFirst, readerOnSecond })
        {
            await reader.StartAsync();
            await reader.SubscribeAsync(feed);
        }

        using var onSecond = second.CreateNewsroomClient();
        var timeout = publishAt - DateTime.UtcNow + GenerousLateness;
        var events = await Task.WhenAll(readerOnFirst.NextEventAsync(timeout), readerOnSecond.NextEventAsync(timeout));

        Assert.All(events, e => Assert.Equal((FeedEventKind.Published, item.Id, "Replaced before the restart"), (e.Kind, e.Item.Id, e.Item.Headline)));
        Assert.InRange(events[0].Item.PublishedAt, publishAt, publishAt + GenerousLateness);
        Assert.Single(await EventsAsync(onSecond, feed));
        Assert.True(await readerOnFirst.StaysQuietAsync(TimeSpan.FromSeconds(2)));
    }
}
