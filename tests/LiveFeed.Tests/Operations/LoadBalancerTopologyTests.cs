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

    [Fact]
    public async Task AStreamThroughNginxWhoseInstanceDrainsResumesOnTheOtherWithNothingMissed()
    {
        await using var topology = await ComposeTopology.StartAsync();
        using var newsroom = topology.CreateNewsroomClient();
        var feed = NewsroomRequests.UniqueFeed("lb-stream");

        // Two streams on one instance (sticky by address), so that it is still draining when the first comes back.
        var streams = new[]
        {
            await EventStreamClient.OpenAsync(topology.Nginx.BaseAddress, feed),
            await EventStreamClient.OpenAsync(topology.Nginx.BaseAddress, feed),
        };
        try
        {
            var doomed = await ReadersOnAsync(topology.First) == 2 ? topology.First : topology.Second;
            Assert.Equal(2, await ReadersOnAsync(doomed, atLeast: 2));
            foreach (var stream in streams)
            {
                Assert.Equal("reset", (await stream.NextEventAsync()).Event);
            }

            await newsroom.PublishAsync(feed, "Before the drain");
            var lastIds = new List<string>();
            foreach (var stream in streams)
            {
                lastIds.Add((await stream.NextEventAsync()).Id!);
            }

            // SIGTERM: the drain ends one stream at once and the other later. The first, back at once through nginx, meets
            // the draining instance's 503 there; nginx passes it on, and the stream resumes from its last id.
            await doomed.TerminateAsync();
            var ended = await Task.WhenAny(streams.Select(stream => stream.EndsAsync(TimeSpan.FromSeconds(20))));
            await ended;
            var first = Array.FindIndex(streams, stream => stream.Ended);
            await newsroom.PublishAsync(feed, "During the drain");
            await using var resumed = await EventStreamClient.OpenAsync(topology.Nginx.BaseAddress, feed, lastEventId: lastIds[first]);
            await newsroom.PublishAsync(feed, "After the move");

            Assert.Equal(["During the drain", "After the move"], (await resumed.NextEventsAsync(2)).Select(record => record.FeedEvent.Item.Headline));
            Assert.Equal(0, await doomed.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        }
        finally
        {
            foreach (var stream in streams)
            {
                await stream.DisposeAsync();
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
