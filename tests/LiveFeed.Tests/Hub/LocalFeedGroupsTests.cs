using LiveFeed.Contracts;
using LiveFeed.Server.Hubs;
using LiveFeed.Tests.Infrastructure;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace LiveFeed.Tests.Hub;

/// <summary>
/// The group send of an instance without a backplane (<see cref="LocalFeedGroups"/>): each event serialised once per
/// protocol, the same bytes handed to every WebSocket reader of the feed, SignalR's own write path for the other
/// transports. Every reader of a feed, on any transport and protocol, gets the same events in order; a reader joining
/// during a send misses nothing; the feed's array holds exactly its readers.
/// </summary>
public sealed class LocalFeedGroupsTests(SharedServer fixture, ITestOutputHelper output) : IClassFixture<SharedServer>
{
    private static readonly TimeSpan ManyEvents = TimeSpan.FromSeconds(60);

    private readonly LiveFeedServer _server = fixture.Server;

    [Fact]
    public async Task ReadersOfOneFeedOnEveryTransportAndProtocolAndItsStreamGetTheSameEventsInOrderFromConcurrentPublishers()
    {
        const int Publishers = 4;
        const int PerPublisher = 15;
        const int Published = Publishers * PerPublisher;
        var feed = NewsroomRequests.UniqueFeed("fanout");
        (HubProtocolKind, HttpTransportType)[] connections =
        [
            (HubProtocolKind.Json, HttpTransportType.WebSockets),
            (HubProtocolKind.MessagePack, HttpTransportType.WebSockets),
            (HubProtocolKind.Json, HttpTransportType.ServerSentEvents),
            (HubProtocolKind.Json, HttpTransportType.LongPolling),
            (HubProtocolKind.MessagePack, HttpTransportType.LongPolling),
        ];
        var readers = new List<TestReader>();
        try
        {
            string? epoch = null;
            foreach (var (protocol, transport) in connections)
            {
                var reader = await _server.ConnectReaderAsync(protocol, transport);
                readers.Add(reader);
                epoch = (await reader.SubscribeAsync(feed)).Epoch;
            }

            await using var stream = await EventStreamClient.OpenAsync(_server.BaseAddress, feed);
            Assert.Equal(5, _server.Services.GetRequiredService<LocalFeedGroups>().CountIn("feed:" + feed));

            using var start = new SemaphoreSlim(0);
            var publishing = Enumerable.Range(0, Publishers).Select(p => Task.Run(async () =>
            {
                using var newsroom = _server.CreateNewsroomClient();
                await start.WaitAsync();
                for (var i = 0; i < PerPublisher; i++)
                {
                    await newsroom.PublishAsync(feed, new { headline = $"publisher {p} item {i}", body = $"Body {p}.{i}, é ü ß 中文", tags = new[] { $"p{p}" } });
                }
            })).ToList();
            start.Release(Publishers);
            await Task.WhenAll(publishing);

            using var anonymous = _server.CreateAnonymousClient();
            var log = await anonymous.GetEventsAsync(feed, epoch!, 0);
            Assert.Equal(Enumerable.Range(1, Published).Select(s => (long)s), log.Events.Select(e => e.Sequence));

            // Each reader: every event once, in sequence order, equal to the stored one in every field it carries here
            // (the item's text, tags, author and time included), whatever its transport and protocol.
            for (var i = 0; i < readers.Count; i++)
            {
                var received = await readers[i].NextEventsAsync(Published, ManyEvents);
                output.WriteLine($"{connections[i]}: {received.Count} events");
                Assert.Equal(log.Events.Select(HubSteps.AsSeen), received.Select(HubSteps.AsSeen));
            }

            // The stream starts with a reset (it came with no position), then the events.
            var streamed = new List<FeedEvent>();
            while (streamed.Count < Published)
            {
                var record = await stream.NextEventAsync(ManyEvents);
                if (record.Event != "reset")
                {
                    streamed.Add(record.FeedEvent);
                }
            }

            Assert.Equal(log.Events.Select(HubSteps.AsSeen), streamed.Select(HubSteps.AsSeen));
        }
        finally
        {
            foreach (var reader in readers)
            {
                await reader.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task ReadersJoiningWhileEventsAreSentToThreeHundredOthersMissNoEventAfterTheirPage()
    {
        const int Readers = 300;
        const int Joiners = 30;
        const int Published = 60;
        var feed = NewsroomRequests.UniqueFeed("joining");
        using var newsroom = _server.CreateNewsroomClient();
        await newsroom.PublishAsync(feed, "Before anyone came");

        var readers = Enumerable.Range(0, Readers).Select(_ => new LeanFollower(feed, [_server.BaseAddress])).ToList();
        var joiners = Enumerable.Range(0, Joiners).Select(_ => new LeanFollower(feed, [_server.BaseAddress])).ToList();
        try
        {
            foreach (var batch in readers.Chunk(50))
            {
                await Task.WhenAll(batch.Select(reader => reader.StartAsync()));
            }

            // The joiners subscribe one by one while the newsroom publishes as fast as it is answered.
            var joining = Task.Run(async () =>
            {
                foreach (var joiner in joiners)
                {
                    await joiner.StartAsync();
                    await Task.Delay(Random.Shared.Next(0, 15));
                }
            });
            // At least the planned count, and on for as long as readers are still joining.
            var published = 0;
            while (published < Published || !joining.IsCompleted)
            {
                await newsroom.PublishAsync(feed, $"item {++published}");
            }

            await joining.WaitAsync(ManyEvents);
            var head = 1 + published;
            await Eventually.HoldsAsync(
                () => Task.FromResult(readers.Concat(joiners).All(reader => reader.Last == head)),
                $"every reader reaches #{head}",
                ManyEvents);

            foreach (var reader in readers.Concat(joiners))
            {
                Assert.Null(reader.Failure);
                Assert.Equal(Enumerable.Range((int)reader.Start + 1, head - (int)reader.Start).Select(s => (long)s), reader.Applied.Select(applied => applied.Sequence));
                Assert.Equal(0, reader.Held);
            }

            output.WriteLine($"{published} published; joiners started at #{string.Join(", #", joiners.Select(joiner => joiner.Start))}");
            Assert.Contains(joiners, joiner => joiner.Start > 1 && joiner.Start < head);
        }
        finally
        {
            foreach (var reader in readers.Concat(joiners))
            {
                await reader.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task AFeedsGroupHoldsExactlyTheConnectionsSubscribedToItAndIsGoneWithTheLastOne()
    {
        var groups = _server.Services.GetRequiredService<LocalFeedGroups>();
        Assert.Same(groups, _server.Services.GetRequiredService<HubLifetimeManager<FeedHub>>());
        var feed = NewsroomRequests.UniqueFeed("members");
        var group = "feed:" + feed;

        await using var webSocket = await _server.ConnectReaderAsync(HubProtocolKind.MessagePack);
        await using var longPolling = await _server.ConnectReaderAsync(HubProtocolKind.Json, HttpTransportType.LongPolling);
        await webSocket.SubscribeAsync(feed);
        await webSocket.SubscribeAsync(feed);
        await longPolling.SubscribeAsync(feed);
        Assert.Equal(2, groups.CountIn(group));

        await longPolling.UnsubscribeAsync(feed);
        Assert.Equal(1, groups.CountIn(group));
        using var newsroom = _server.CreateNewsroomClient();
        await newsroom.PublishAsync(feed, "Only the WebSocket reader follows");
        Assert.Equal("Only the WebSocket reader follows", (await webSocket.NextEventAsync()).Item.Headline);
        Assert.True(await longPolling.StaysQuietAsync(TimeSpan.FromMilliseconds(500)));

        await webSocket.DisposeAsync();
        await Eventually.HoldsAsync(() => Task.FromResult(groups.CountIn(group) == 0), $"{group} is empty once its reader left");
    }
}
