using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LiveFeed.Contracts;
using LiveFeed.Feeds;
using LiveFeed.Server.Broadcast;
using LiveFeed.Server.Hubs;
using LiveFeed.Server.Streams;
using LiveFeed.Tests.Hub;
using LiveFeed.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace LiveFeed.Tests.Streams;

/// <summary><c>GET /api/feeds/{feed}/stream</c>: a feed as Server-Sent Events, on one instance (in memory).</summary>
public sealed class FeedStreamTests(SharedServer fixture) : IClassFixture<SharedServer>
{
    private readonly LiveFeedServer _server = fixture.Server;

    [Fact]
    public async Task CurlReadsALiveStreamWithTheHubsJsonForEachEvent()
    {
        var feed = NewsroomRequests.UniqueFeed("stream");
        using var newsroom = _server.CreateNewsroomClient();
        var before = await newsroom.PublishAsync(feed, "Before the stream");
        await using var curl = EventStreamClient.Curl(_server.BaseAddress, feed);

        // No position: a reset first, with the page and its position.
        var reset = await curl.NextEventAsync();
        Assert.Equal("reset", reset.Event);
        Assert.Equal($"{reset.Page.Epoch}:1", reset.Id);
        Assert.Equal([before.Id], reset.Page.Items.Select(item => item.Id));
        Assert.True(reset.Page.Reset);

        // Then every change, live, each with its position, its kind, and the FeedEvent exactly as the hub sends it.
        await using var hub = await RawHubClient.ConnectAsync(new Uri(_server.BaseAddress, "/hubs/feed"));
        await hub.HandshakeAsync();
        await hub.SendSubscribeAsync(feed, "1");
        Assert.Contains("\"invocationId\":\"1\"", await hub.ReceiveRecordAsync(), StringComparison.Ordinal);

        var item = await newsroom.PublishAsync(feed, new { headline = "Live", body = "Two\nlines" });
        using (await newsroom.PutAsJsonAsync($"/api/feeds/{feed}/items/{item.Id}", new { headline = "Live, corrected" }))
        {
        }

        using (await newsroom.DeleteAsync(new Uri($"/api/feeds/{feed}/items/{item.Id}", UriKind.Relative)))
        {
        }

        var records = await curl.NextEventsAsync(3);
        Assert.Equal(["published", "corrected", "retracted"], records.Select(record => record.Event));
        Assert.Equal([2L, 3, 4], records.Select(record => record.FeedEvent.Sequence));
        Assert.Equal(records.Select(record => $"{reset.Page.Epoch}:{record.FeedEvent.Sequence}"), records.Select(record => record.Id));
        Assert.Equal("Two\nlines", records[0].FeedEvent.Item.Body);
        foreach (var record in records)
        {
            using var invocation = JsonDocument.Parse((await hub.ReceiveRecordAsync())!);
            Assert.Equal(invocation.RootElement.GetProperty("arguments")[0].GetRawText(), record.Data);
        }
    }

    [Fact]
    public async Task AStreamResumesFromLastEventIdWithExactlyTheEventsItMissed()
    {
        var feed = NewsroomRequests.UniqueFeed("stream");
        using var newsroom = _server.CreateNewsroomClient();
        await newsroom.PublishAsync(feed, "First");
        string lastEventId;
        await using (var first = await EventStreamClient.OpenAsync(_server.BaseAddress, feed))
        {
            Assert.Equal("reset", (await first.NextEventAsync()).Event);
            await newsroom.PublishAsync(feed, "Second");
            lastEventId = (await first.NextEventAsync()).Id!;
        }

        await newsroom.PublishAsync(feed, "Third, while away");
        await newsroom.PublishAsync(feed, "Fourth, while away");
        await using var resumed = await EventStreamClient.OpenAsync(_server.BaseAddress, feed, lastEventId: lastEventId);
        await newsroom.PublishAsync(feed, "Fifth, live");

        var records = await resumed.NextEventsAsync(3);
        Assert.Equal(["Third, while away", "Fourth, while away", "Fifth, live"], records.Select(record => record.FeedEvent.Item.Headline));
        Assert.Equal([3L, 4, 5], records.Select(record => record.FeedEvent.Sequence));
        await AssertNoEventAsync(resumed);
    }

    [Theory]
    [InlineData("other-epoch:1", null)]
    [InlineData(null, "other-epoch:1")]
    [InlineData("EPOCH:99", null)]
    [InlineData("garbage", null)]
    [InlineData(null, "EPOCH:-1")]
    [InlineData(null, "EPOCH")]
    [InlineData("", null)]
    public async Task AStaleOrMalformedPositionGetsAResetNeverAnError(string? lastEventId, string? after)
    {
        var feed = NewsroomRequests.UniqueFeed("stream");
        using var newsroom = _server.CreateNewsroomClient();
        var item = await newsroom.PublishAsync(feed, "Only item");
        var epoch = await EpochAsync(feed);

        await using var stream = await EventStreamClient.OpenAsync(
            _server.BaseAddress, feed, lastEventId?.Replace("EPOCH", epoch, StringComparison.Ordinal), after?.Replace("EPOCH", epoch, StringComparison.Ordinal));

        var reset = await stream.NextEventAsync();
        Assert.Equal("reset", reset.Event);
        Assert.Equal($"{epoch}:1", reset.Id);
        Assert.Equal([item.Id], reset.Page.Items.Select(i => i.Id));
    }

    [Fact]
    public async Task AGoodAfterPositionGetsTheEventsAfterItAndLastEventIdWinsOverIt()
    {
        var feed = NewsroomRequests.UniqueFeed("stream");
        using var newsroom = _server.CreateNewsroomClient();
        await newsroom.PublishAsync(feed, "First");
        await newsroom.PublishAsync(feed, "Second");
        await newsroom.PublishAsync(feed, "Third");
        var epoch = await EpochAsync(feed);

        await using (var after = await EventStreamClient.OpenAsync(_server.BaseAddress, feed, after: $"{epoch}:1"))
        {
            Assert.Equal(["Second", "Third"], (await after.NextEventsAsync(2)).Select(record => record.FeedEvent.Item.Headline));
        }

        await using var both = await EventStreamClient.OpenAsync(_server.BaseAddress, feed, lastEventId: $"{epoch}:2", after: $"{epoch}:0");
        Assert.Equal("Third", (await both.NextEventAsync()).FeedEvent.Item.Headline);
        await AssertNoEventAsync(both);
    }

    [Fact]
    public async Task AnUnknownFeedStreamsAnEmptyFeedAndThenItsFirstEvent()
    {
        var feed = NewsroomRequests.UniqueFeed("nobody");
        await using var stream = await EventStreamClient.OpenAsync(_server.BaseAddress, feed);

        var reset = await stream.NextEventAsync();
        Assert.Equal("reset", reset.Event);
        Assert.Equal(0, reset.Page.Sequence);
        Assert.Empty(reset.Page.Items);

        using var newsroom = _server.CreateNewsroomClient();
        await newsroom.PublishAsync(feed, "The first");
        var first = await stream.NextEventAsync();
        Assert.Equal($"{reset.Page.Epoch}:1", first.Id);
    }

    [Fact]
    public async Task ABadFeedNameIsAProblemNotAStream()
    {
        using var response = await EventStreamClient.SendAsync(_server.BaseAddress, "Not_A_Feed");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task TheStreamTellsProxiesAndCachesToPassItOnAsItComes()
    {
        await using var stream = await EventStreamClient.OpenAsync(_server.BaseAddress, NewsroomRequests.UniqueFeed("stream"));
        var response = stream.Response!;

        Assert.True(response.Headers.CacheControl?.NoStore);
        Assert.Equal("no", response.Headers.GetValues("X-Accel-Buffering").Single());
        Assert.Null(response.Content.Headers.ContentLength);

        // The advice on when to reconnect comes first, between 1 and 5 s.
        var retry = await stream.NextAsync();
        Assert.InRange(int.Parse(retry!.Retry!, System.Globalization.CultureInfo.InvariantCulture), 1000, 5000);
    }

    [Fact]
    public async Task EventsHeardOutOfOrderTwiceOrNotAtAllReachAStreamOnceInOrder()
    {
        // What another instance's events look like here: stored, then heard late, out of order, twice, or never.
        var feed = NewsroomRequests.UniqueFeed("stream");
        var store = _server.Services.GetRequiredService<IFeedStore>();
        var heard = _server.Services.GetRequiredService<StoredEvents>();
        await using var stream = await EventStreamClient.OpenAsync(_server.BaseAddress, feed);
        Assert.Equal("reset", (await stream.NextEventAsync()).Event);

        var stored = new List<FeedEvent>();
        for (var i = 1; i <= 6; i++)
        {
            stored.Add((await store.PublishAsync(Item(feed, $"Elsewhere {i}"), null, CancellationToken.None)).Event!);
        }

        foreach (var index in new[] { 1, 0, 0, 3, 2, 5 })
        {
            heard.Heard(stored[index]);
        }

        // #5 was never heard: the gap before #6 is filled from the store after the hold.
        var records = await stream.NextEventsAsync(6);
        Assert.Equal([1L, 2, 3, 4, 5, 6], records.Select(record => record.FeedEvent.Sequence));
        heard.Heard(stored[4]);
        await AssertNoEventAsync(stream);
    }

    [Fact]
    public async Task AQuietStreamGetsACommentLineOnEveryKeepAlive()
    {
        using var server = new LiveFeedServer(services: services =>
            services.Replace(ServiceDescriptor.Singleton(new StreamTiming { KeepAlive = TimeSpan.FromMilliseconds(200) })));
        await using var stream = await EventStreamClient.OpenAsync(server.BaseAddress, NewsroomRequests.UniqueFeed("quiet"));
        Assert.Equal("reset", (await stream.NextEventAsync()).Event);

        for (var i = 0; i < 2; i++)
        {
            var record = await stream.NextAsync(TimeSpan.FromSeconds(5));
            Assert.Equal("keep-alive", record!.Comment);
            Assert.Null(record.Event);
        }
    }

    private static FeedItem Item(string feed, string headline) => new()
    {
        Id = Guid.CreateVersion7().ToString("N"),
        Feed = feed,
        Headline = headline,
        Author = LiveFeedServer.KeyName,
        PublishedAt = DateTime.UtcNow.AddTicks(-(DateTime.UtcNow.Ticks % TimeSpan.TicksPerMillisecond)),
    };

    private async Task<string> EpochAsync(string feed)
    {
        using var client = _server.CreateAnonymousClient();
        return (await client.GetFromJsonAsync<JsonElement>($"/api/feeds/{feed}/items")).GetProperty("epoch").GetString()!;
    }

    /// <summary>Nothing but comments for a while (events that came twice would show here).</summary>
    private static async Task AssertNoEventAsync(EventStreamClient stream)
    {
        try
        {
            var record = await stream.NextEventAsync(TimeSpan.FromSeconds(1.5));
            Assert.Fail($"Unexpected event {record.Event} {record.Id}");
        }
        catch (TimeoutException)
        {
        }
    }
}
