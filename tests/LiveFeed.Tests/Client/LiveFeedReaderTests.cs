using LiveFeed.Client;
using LiveFeed.Contracts;
using LiveFeed.Tests.Infrastructure;

namespace LiveFeed.Tests.Client;

/// <summary>The reader against a real server, on both hub protocols.</summary>
public sealed class LiveFeedReaderTests
{
    [Theory]
    [InlineData(LiveFeedProtocol.Json)]
    [InlineData(LiveFeedProtocol.MessagePack)]
    public async Task ReaderStreamsPublishedCorrectedAndRetractedItemsInOrder(LiveFeedProtocol protocol)
    {
        using var server = new LiveFeedServer();
        using var http = server.CreateNewsroomClient();
        var newsroom = new NewsroomClient(http);
        var earlier = await newsroom.PublishAsync("main", new ItemRequest { Headline = "Before the reader came" });
        await using var reader = new LiveFeedReader(server.BaseAddress, new LiveFeedReaderOptions { Protocol = protocol });
        var updates = new UpdateRecorder(reader);
        await reader.StartAsync();

        var items = await reader.SubscribeAsync("main");
        var flash = await newsroom.PublishAsync("main", new ItemRequest { Headline = "Flash", Priority = ItemPriority.Flash, Tags = ["x"] });
        var other = await newsroom.PublishAsync("main", new ItemRequest { Headline = "Other" });
        await newsroom.CorrectAsync("main", flash.Id, new ItemRequest { Headline = "Flash, corrected", Priority = ItemPriority.Flash });
        await newsroom.RetractAsync("main", other.Id);
        var seen = await updates.UntilAsync(update => update.Event?.Kind == FeedEventKind.Retracted);

        Assert.Equal([earlier.Id], items.Select(item => item.Id));
        Assert.True(seen[0].IsReset);
        Assert.Equal(
            [(2L, FeedEventKind.Published, flash.Id), (3L, FeedEventKind.Published, other.Id), (4L, FeedEventKind.Corrected, flash.Id), (5L, FeedEventKind.Retracted, other.Id)],
            seen.Skip(1).Select(update => (update.Event!.Sequence, update.Event.Kind, update.Event.Item.Id)));
        Assert.Equal(flash with { Tags = flash.Tags }, seen[1].Event!.Item with { Tags = flash.Tags });
        Assert.Equal(["x"], seen[1].Event!.Item.Tags);
        Assert.Equal(["Flash, corrected", "Before the reader came"], reader.GetItems("main").Select(item => item.Headline));
        Assert.Equal(LiveFeedConnectionState.Live, reader.State);
    }

    [Theory]
    [InlineData(LiveFeedProtocol.Json)]
    [InlineData(LiveFeedProtocol.MessagePack)]
    public async Task AfterTheServerRestartsTheReaderStartsOverFromTheNewServersItemsWithNothingDoubled(LiveFeedProtocol protocol)
    {
        // The reader reconnects at once, and may land on the stopping server, which then waits out its
        // graceful shutdown timeout (30 s by default) for that connection. Keep the stop short.
        var first = new LiveFeedServer(new Dictionary<string, string?> { ["shutdownTimeoutSeconds"] = "2" });
        var port = first.BaseAddress.Port;
        await using var reader = new LiveFeedReader(first.BaseAddress, new LiveFeedReaderOptions { Protocol = protocol, MaxReconnectDelay = TimeSpan.FromSeconds(1) });
        var updates = new UpdateRecorder(reader);
        await reader.StartAsync();
        await reader.SubscribeAsync("main");
        string firstEpoch;
        using (var http = first.CreateNewsroomClient())
        {
            var newsroom = new NewsroomClient(http);
            await newsroom.PublishAsync("main", new ItemRequest { Headline = "Old A" });
            var b = await newsroom.PublishAsync("main", new ItemRequest { Headline = "Old B" });
            firstEpoch = (await updates.UntilAsync(update => update.Event?.Item.Id == b.Id))[^1].Epoch;
        }

        first.Dispose();
        await updates.WaitForStateAsync(LiveFeedConnectionState.Reconnecting);
        using var second = new LiveFeedServer(port: port);
        using var secondHttp = second.CreateNewsroomClient();
        var fresh = await new NewsroomClient(secondHttp).PublishAsync("main", new ItemRequest { Headline = "New C" });
        var afterRestart = await updates.UntilAsync(update => update.Items.Any(item => item.Id == fresh.Id));
        await updates.WaitForStateAsync(LiveFeedConnectionState.Live);

        var reset = afterRestart.Last(update => update.IsReset);
        Assert.NotEqual(firstEpoch, reset.Epoch);
        Assert.Equal(["New C"], reader.GetItems("main").Select(item => item.Headline));
        var afterReset = afterRestart.SkipWhile(update => !ReferenceEquals(update, reset)).ToList();
        var timesCSeen = afterReset.Count(update => update.Event?.Item.Id == fresh.Id) + (reset.Items.Any(item => item.Id == fresh.Id) ? 1 : 0);
        Assert.Equal(1, timesCSeen);
        Assert.DoesNotContain(afterReset, update => update.Event is not null && update.Event.Item.Headline.StartsWith("Old", StringComparison.Ordinal));

        // Close the reader before the server stops: else it may reconnect into the stopping in-process
        // server, whose half-open socket the client only gives up after its 30 s server timeout.
        await reader.DisposeAsync();
    }

    [Theory]
    [InlineData(LiveFeedProtocol.Json)]
    [InlineData(LiveFeedProtocol.MessagePack)]
    public async Task AnEventLostOnTheWayIsFetchedFromTheEventsApiAndAppliedInItsPlace(LiveFeedProtocol protocol)
    {
        using var server = new LiveFeedServer();
        await using var reader = new LiveFeedReader(server.BaseAddress, new LiveFeedReaderOptions
        {
            Protocol = protocol,
            GapTimeout = TimeSpan.FromMilliseconds(200),
            // The hub's push of sequence 2 never reaches the reader.
            IncomingEventFilter = feedEvent => feedEvent.Sequence == 2 ? [] : [feedEvent],
        });
        var updates = new UpdateRecorder(reader);
        await reader.StartAsync();
        await reader.SubscribeAsync("main");
        using var http = server.CreateNewsroomClient();
        var newsroom = new NewsroomClient(http);

        var posted = new List<FeedItem>();
        for (var i = 1; i <= 3; i++)
        {
            posted.Add(await newsroom.PublishAsync("main", new ItemRequest { Headline = $"Item {i}" }));
        }

        var seen = await updates.UntilAsync(update => update.Sequence == 3);

        Assert.Equal([1L, 2L, 3L], seen.Where(update => !update.IsReset).Select(update => update.Event!.Sequence));
        Assert.Equal(posted[1].Id, seen.Single(update => update.Sequence == 2 && !update.IsReset).Event!.Item.Id);
        Assert.Equal(["Item 3", "Item 2", "Item 1"], reader.GetItems("main").Select(item => item.Headline));
    }

    [Theory]
    [InlineData(LiveFeedProtocol.Json)]
    [InlineData(LiveFeedProtocol.MessagePack)]
    public async Task EventsThatArriveOutOfOrderAreHeldAndAppliedInOrder(LiveFeedProtocol protocol)
    {
        using var server = new LiveFeedServer();
        FeedEvent? heldBack = null;
        await using var reader = new LiveFeedReader(server.BaseAddress, new LiveFeedReaderOptions
        {
            Protocol = protocol,
            // So long that only holding sequence 3 until 2 comes can put them in order: no fetch in time.
            GapTimeout = TimeSpan.FromHours(1),
            // Sequence 2 is delivered after sequence 3.
            IncomingEventFilter = feedEvent =>
            {
                if (feedEvent.Sequence == 2)
                {
                    heldBack = feedEvent;
                    return [];
                }

                return feedEvent.Sequence == 3 ? [feedEvent, heldBack!] : [feedEvent];
            },
        });
        var updates = new UpdateRecorder(reader);
        await reader.StartAsync();
        await reader.SubscribeAsync("main");
        using var http = server.CreateNewsroomClient();
        var newsroom = new NewsroomClient(http);

        for (var i = 1; i <= 4; i++)
        {
            await newsroom.PublishAsync("main", new ItemRequest { Headline = $"Item {i}" });
        }

        var seen = await updates.UntilAsync(update => update.Sequence == 4);

        Assert.Equal([1L, 2L, 3L, 4L], seen.Where(update => !update.IsReset).Select(update => update.Event!.Sequence));
        Assert.Equal(["Item 4", "Item 3", "Item 2", "Item 1"], reader.GetItems("main").Select(item => item.Headline));
    }

    [Fact]
    public async Task AReaderFollowsSeveralFeedsEachInItsOwnOrder()
    {
        using var server = new LiveFeedServer();
        await using var reader = new LiveFeedReader(server.BaseAddress);
        var updates = new UpdateRecorder(reader);
        await reader.StartAsync();
        await reader.SubscribeAsync("main");
        await reader.SubscribeAsync("business");
        using var http = server.CreateNewsroomClient();
        var newsroom = new NewsroomClient(http);

        await newsroom.PublishAsync("main", new ItemRequest { Headline = "Main 1" });
        await newsroom.PublishAsync("business", new ItemRequest { Headline = "Business 1" });
        await newsroom.PublishAsync("business", new ItemRequest { Headline = "Business 2" });
        await updates.UntilAsync(update => update.Feed == "business" && update.Sequence == 2);

        Assert.Equal(["Main 1"], reader.GetItems("main").Select(item => item.Headline));
        Assert.Equal(["Business 2", "Business 1"], reader.GetItems("business").Select(item => item.Headline));
        Assert.Equal(["business", "main"], reader.Feeds.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task DisposingTheReaderEndsItsStreamAndGoesOffline()
    {
        using var server = new LiveFeedServer();
        var reader = new LiveFeedReader(server.BaseAddress);
        var updates = new UpdateRecorder(reader);
        await reader.StartAsync();
        await reader.SubscribeAsync("main");

        await reader.DisposeAsync();

        Assert.True(await updates.EndsAsync());
        Assert.Equal(LiveFeedConnectionState.Offline, reader.State);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => reader.SubscribeAsync("main"));
    }

    [Fact]
    public async Task ABadFeedNameIsRefusedBeforeAnythingIsSent()
    {
        using var server = new LiveFeedServer();
        await using var reader = new LiveFeedReader(server.BaseAddress);
        await reader.StartAsync();

        var refused = await Assert.ThrowsAsync<ArgumentException>(() => reader.SubscribeAsync("Not A Feed"));

        Assert.Contains("not a feed name", refused.Message, StringComparison.Ordinal);
        Assert.Empty(reader.Feeds);
    }

    [Fact]
    public async Task StartingAgainstNoServerFailsAndLeavesTheReaderOffline()
    {
        var port = FreePort();
        await using var reader = new LiveFeedReader(new Uri($"http://127.0.0.1:{port}"));

        await Assert.ThrowsAsync<HttpRequestException>(() => reader.StartAsync());

        Assert.Equal(LiveFeedConnectionState.Offline, reader.State);
    }

    [Fact]
    public async Task AReaderOfAnInstanceThatAcceptsAndDropsEveryConnectionMakesOnlyAFewAttemptsIn10Seconds()
    {
        // With its Redis away, an instance accepts a hub connection and closes it right after the handshake (the
        // backplane cannot subscribe it). A connection that never got a Subscribe answered is a failure: the waits grow.
        var gate = new HubGate();
        await using var redis = await RedisServer.StartNewAsync();
        using var server = new LiveFeedServer(RedisSettings.For(redis), services: gate.Install);
        await using var reader = new LiveFeedReader(server.BaseAddress);
        await reader.StartAsync();
        // Answered: the connection is set up on the backplane, so that Redis going away does not drop it by itself.
        await reader.SubscribeAsync(NewsroomRequests.UniqueFeed("away"));

        await redis.StopAsync();
        gate.DropConnections();
        await Task.Delay(TimeSpan.FromSeconds(10));

        // Waits of up to 1, 2, 4, 8 s: about five attempts in 10 s (a loop that starts over after each connect makes hundreds).
        Assert.InRange(gate.Negotiates.Count - 1, 1, 8);
        Assert.Equal(LiveFeedConnectionState.Reconnecting, reader.State);
    }

    [Fact]
    public async Task AfterADropTheReaderWaitsAsLongAsRetryAfterSaysBeforeItConnectsAgain()
    {
        var gate = new HubGate();
        using var server = new LiveFeedServer(services: gate.Install);
        await using var reader = new LiveFeedReader(server.BaseAddress);
        var updates = new UpdateRecorder(reader);
        await reader.StartAsync();
        await reader.SubscribeAsync("main");

        gate.Refuse(429, retryAfterSeconds: 3);
        gate.DropConnections();
        var refused = (await gate.WaitForNegotiatesAsync(2, TimeSpan.FromSeconds(10)))[1];
        gate.Admit();
        var next = (await gate.WaitForNegotiatesAsync(3, TimeSpan.FromSeconds(15)))[2];
        await updates.WaitForStateAsync(LiveFeedConnectionState.Reconnecting);
        await updates.WaitForStateAsync(LiveFeedConnectionState.Live);

        Assert.Equal(429, refused.Status);
        Assert.True(next.At - refused.At >= TimeSpan.FromSeconds(2.9), $"asked again {(next.At - refused.At).TotalSeconds:0.00} s after a Retry-After of 3 s");
    }

    internal static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
