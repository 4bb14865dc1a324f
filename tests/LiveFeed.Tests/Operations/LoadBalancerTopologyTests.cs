using System.Net;
using LiveFeed.Tests.Infrastructure;
using Microsoft.AspNetCore.Http.Connections;
using Xunit.Abstractions;

namespace LiveFeed.Tests.Operations;

/// <summary>
/// The docker-compose topology, run natively: one redis-server, two LiveFeed processes on it, and nginx
/// from apt with the compose file's nginx template in front. Readers and the newsroom only know nginx.
/// </summary>
public sealed class LoadBalancerTopologyTests(ITestOutputHelper output)
{
    private static readonly TimeSpan CatchUpTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task ReadersOnEachTransportThroughNginxGetEveryItemAndCarryOnThroughTheOtherInstanceWhenTheirsIsKilled()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await using var topology = await ComposeTopology.StartAsync();
        var (first, second, nginx) = (topology.First, topology.Second, topology.Nginx);
        output.WriteLine($"{clock.ElapsedMilliseconds} ms: redis, two instances and nginx up");

        using var newsroom = topology.CreateNewsroomClient();
        var feed = NewsroomRequests.UniqueFeed("lb");
        HttpTransportType[] transports = [HttpTransportType.WebSockets, HttpTransportType.ServerSentEvents, HttpTransportType.LongPolling];
        var followers = transports.Select(t => new FeedFollower(feed, [nginx.BaseAddress], transport: t)).ToList();
        try
        {
            foreach (var follower in followers)
            {
                await follower.StartAsync();
            }

            // Sticky sessions: every reader's connection (and the newsroom's requests, from the same address) is on one instance.
            var readersOnFirst = await ReadersOnAsync(first);
            var readersOnSecond = await ReadersOnAsync(second);
            Assert.True(
                (readersOnFirst, readersOnSecond) is (3, 0) or (0, 3),
                $"Expected the 3 readers on one instance; they are {readersOnFirst} and {readersOnSecond}.\nnginx:\n{nginx.ErrorLog()}");
            var (doomed, survivor) = readersOnFirst == 3 ? (first, second) : (second, first);

            var posted = new List<string>();
            for (var i = 1; i <= 10; i++)
            {
                posted.Add((await newsroom.PublishAsync(feed, $"Before the kill {i}")).Id);
            }

            foreach (var follower in followers)
            {
                await follower.WaitForAsync(10, CatchUpTimeout);
            }

            output.WriteLine($"{clock.ElapsedMilliseconds} ms: 10 items through nginx reached every reader");

            await doomed.KillAsync();
            for (var i = 1; i <= 10; i++)
            {
                posted.Add((await newsroom.PublishAsync(feed, $"After the kill {i}")).Id);
            }

            // The readers came back through nginx, to the survivor.
            Assert.Equal(3, await ReadersOnAsync(survivor, atLeast: 3));
            foreach (var (follower, transport) in followers.Zip(transports))
            {
                await follower.WaitForAsync(20, CatchUpTimeout);
                Assert.True(follower.Reconnects >= 1, $"The {transport} reader never lost its connection to the killed instance.");
                Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), follower.Applied.Select(e => e.Sequence));
                Assert.Equal(posted, follower.Applied.Select(e => e.Item.Id));
                Assert.Equal(0, follower.Resets);
            }

            output.WriteLine($"{clock.ElapsedMilliseconds} ms: every reader has all 20, through the surviving instance");
        }
        finally
        {
            foreach (var follower in followers)
            {
                await follower.DisposeAsync();
            }
        }
    }

    /// <summary>Readers connected to one instance, from its own /metrics (never through nginx, which hides it).</summary>
    private static async Task<int> ReadersOnAsync(LiveFeedProcess instance, int atLeast = 0)
    {
        var readers = 0;
        await Eventually.HoldsAsync(async () =>
        {
            readers = await instance.ReadersConnectedAsync();
            return readers >= atLeast;
        }, $"{instance.BaseAddress} has at least {atLeast} readers");
        return readers;
    }
}
