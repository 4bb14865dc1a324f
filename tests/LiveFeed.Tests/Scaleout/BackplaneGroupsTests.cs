using System.Net;
using LiveFeed.Contracts;
using LiveFeed.Server.Hubs;
using LiveFeed.Tests.Hub;
using LiveFeed.Tests.Infrastructure;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.Extensions.DependencyInjection;

namespace LiveFeed.Tests.Scaleout;

/// <summary>
/// The group send with the Redis backplane (<see cref="LocalFeedGroups"/>): an instance sends an event to its own
/// readers directly and through the backplane to the others', where one member per feed hands it to all of that
/// instance's readers. Every reader, on any instance, transport and protocol, gets each event once; a feed whose last
/// reader left an instance, and that a reader joins again there, is heard from the other instances again.
/// </summary>
public sealed class BackplaneGroupsTests
{
    private static readonly TimeSpan ManyEvents = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task ReadersOfEveryProtocolAndTransportOnTwoInstancesGetEachEventOnceWhicheverInstanceStoredIt()
    {
        const int PerInstance = 10;
        await using var redis = await RedisServer.StartNewAsync();
        using var first = new LiveFeedServer(RedisSettings.For(redis));
        using var second = new LiveFeedServer(RedisSettings.For(redis));
        LiveFeedServer[] servers = [first, second];
        await Task.WhenAll(servers.Select(s => Eventually.ReadyAnswersAsync(s.BaseAddress, HttpStatusCode.OK)));
        var feed = NewsroomRequests.UniqueFeed("backplane");
        (HubProtocolKind, HttpTransportType)[] connections =
        [
            (HubProtocolKind.Json, HttpTransportType.WebSockets),
            (HubProtocolKind.MessagePack, HttpTransportType.WebSockets),
            (HubProtocolKind.Json, HttpTransportType.LongPolling),
        ];
        var readers = new List<TestReader>();
        try
        {
            string? epoch = null;
            foreach (var server in servers)
            {
                foreach (var (protocol, transport) in connections)
                {
                    var reader = await server.ConnectReaderAsync(protocol, transport);
                    readers.Add(reader);
                    epoch = (await reader.SubscribeAsync(feed)).Epoch;
                }

                Assert.Equal(connections.Length, server.Services.GetRequiredService<LocalFeedGroups>().CountIn("feed:" + feed));
            }

            // Both instances store events at the same time.
            await Task.WhenAll(servers.Select(server => Task.Run(async () =>
            {
                using var newsroom = server.CreateNewsroomClient();
                for (var i = 0; i < PerInstance; i++)
                {
                    await newsroom.PublishAsync(feed, new { headline = $"{server.BaseAddress.Port} item {i}", tags = new[] { "both" } });
                }
            })));

            using var anonymous = first.CreateAnonymousClient();
            var log = await anonymous.GetEventsAsync(feed, epoch!, 0);
            Assert.Equal(2 * PerInstance, log.Events.Count);

            // Events from two instances may come interleaved out of order (the contract's client rule puts them in
            // order); each comes once, as stored.
            foreach (var reader in readers)
            {
                var received = await reader.NextEventsAsync(2 * PerInstance, ManyEvents);
                Assert.Equal(log.Events.Select(HubSteps.AsSeen), received.OrderBy(e => e.Sequence).Select(HubSteps.AsSeen));
                Assert.True(await reader.StaysQuietAsync(TimeSpan.FromMilliseconds(300)), "No event came twice.");
            }

            // The feed's last readers leave the second instance; a new one there hears the first instance again.
            foreach (var reader in readers.Skip(connections.Length))
            {
                await reader.DisposeAsync();
            }

            readers.RemoveRange(connections.Length, connections.Length);
            await Eventually.HoldsAsync(
                () => Task.FromResult(second.Services.GetRequiredService<LocalFeedGroups>().CountIn("feed:" + feed) == 0),
                "the second instance's group is empty");
            var again = await second.ConnectReaderAsync(HubProtocolKind.MessagePack);
            readers.Add(again);
            await again.SubscribeAsync(feed);
            using (var newsroom = first.CreateNewsroomClient())
            {
                var posted = await newsroom.PublishAsync(feed, "After the second instance's readers came back");
                Assert.Equal(posted.Id, (await again.NextEventAsync()).Item.Id);
                foreach (var reader in readers.Take(connections.Length))
                {
                    Assert.Equal(posted.Id, (await reader.NextEventAsync()).Item.Id);
                }
            }
        }
        finally
        {
            foreach (var reader in readers)
            {
                await reader.DisposeAsync();
            }
        }
    }
}
