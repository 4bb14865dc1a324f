using System.Net;
using System.Net.Http.Json;
using LiveFeed.Contracts;
using LiveFeed.Tests.Infrastructure;
using Xunit.Abstractions;

namespace LiveFeed.Tests.Scaleout;

/// <summary>
/// Several LiveFeed instances on one real redis-server act as one: in-process hosts on real ports
/// where a host is enough, real <c>dotnet LiveFeed.Server.dll</c> processes where one must die or restart.
/// Readers are <see cref="FeedFollower"/>s: they apply the contract's client rule for events out of order.
/// </summary>
public sealed class MultiInstanceTests(ITestOutputHelper output)
{
    private static readonly TimeSpan CatchUpTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task AReaderOnEachOfThreeInstancesReceivesAnItemPostedToAnyOfThem()
    {
        await using var redis = await RedisServer.StartNewAsync();
        using var first = new LiveFeedServer(RedisSettings.For(redis));
        using var second = new LiveFeedServer(RedisSettings.For(redis));
        using var third = new LiveFeedServer(RedisSettings.For(redis));
        LiveFeedServer[] servers = [first, second, third];
        await Task.WhenAll(servers.Select(s => Eventually.ReadyAnswersAsync(s.BaseAddress, HttpStatusCode.OK)));
        var feed = NewsroomRequests.UniqueFeed("three");
        var readers = new List<TestReader>();
        foreach (var server in servers)
        {
            var reader = await server.ConnectReaderAsync();
            await reader.SubscribeAsync(feed);
            readers.Add(reader);
        }

        try
        {
            foreach (var server in servers)
            {
                using var newsroom = server.CreateNewsroomClient();
                var posted = await newsroom.PublishAsync(feed, $"Posted to {server.BaseAddress.Port}");

                foreach (var reader in readers)
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

    [Fact]
    public async Task TwoInstancesPublishing500ItemsAtOnceStoreOneGaplessOrderThatEveryReaderEndsWith()
    {
        await using var redis = await RedisServer.StartNewAsync();
        using var first = new LiveFeedServer(RedisSettings.For(redis));
        using var second = new LiveFeedServer(RedisSettings.For(redis));
        await Task.WhenAll(Eventually.ReadyAnswersAsync(first.BaseAddress, HttpStatusCode.OK), Eventually.ReadyAnswersAsync(second.BaseAddress, HttpStatusCode.OK));
        var feed = NewsroomRequests.UniqueFeed("race");
        await using var onFirst = new FeedFollower(feed, [first.BaseAddress]);
        await using var onFirstMessagePack = new FeedFollower(feed, [first.BaseAddress], HubProtocolKind.MessagePack);
        await using var onSecond = new FeedFollower(feed, [second.BaseAddress]);
        await using var onSecondMessagePack = new FeedFollower(feed, [second.BaseAddress], HubProtocolKind.MessagePack);
        FeedFollower[] followers = [onFirst, onFirstMessagePack, onSecond, onSecondMessagePack];
        foreach (var follower in followers)
        {
            await follower.StartAsync();
        }

        var posted = await Task.WhenAll(PublishManyAsync(first, feed, "first", 250), PublishManyAsync(second, feed, "second", 250));

        using var reader = first.CreateAnonymousClient();
        var epoch = followers[0].Epoch!;
        var stored = (await reader.GetFromJsonAsync<FeedPage>($"/api/feeds/{feed}/events?epoch={epoch}&after=0"))!;
        Assert.False(stored.Reset);
        Assert.Equal(Enumerable.Range(1, 500).Select(i => (long)i), stored.Events.Select(e => e.Sequence));
        Assert.Equal(posted.SelectMany(ids => ids).Order(), stored.Events.Select(e => e.Item.Id).Order());
        foreach (var follower in followers)
        {
            await follower.WaitForAsync(500, CatchUpTimeout);
            Assert.Equal(stored.Events.Select(e => (e.Sequence, e.Item.Id)), follower.Applied.Select(e => (e.Sequence, e.Item.Id)));
            Assert.Equal(0, follower.Resets);
            output.WriteLine($"reader: {follower.OutOfOrder} held out of order, {follower.GapFetches} gap fetches, {follower.Duplicates} duplicates dropped");
        }
    }

    [Fact]
    public async Task ReadersOfAKilledInstanceResumeOnAnotherAndEndWithEveryItemExactlyOnce()
    {
        await using var redis = await RedisServer.StartNewAsync();
        await using var doomed = new LiveFeedProcess(RedisSettings.For(redis));
        await using var survivor = new LiveFeedProcess(RedisSettings.For(redis));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await Task.WhenAll(doomed.StartAsync(), survivor.StartAsync());
        output.WriteLine($"{clock.ElapsedMilliseconds} ms: two processes ready");
        var feed = NewsroomRequests.UniqueFeed("kill");
        await using var onDoomed = new FeedFollower(feed, [doomed.BaseAddress, survivor.BaseAddress]);
        await using var onDoomedMessagePack = new FeedFollower(feed, [doomed.BaseAddress, survivor.BaseAddress], HubProtocolKind.MessagePack);
        await using var onSurvivor = new FeedFollower(feed, [survivor.BaseAddress, doomed.BaseAddress]);
        FeedFollower[] followers = [onDoomed, onDoomedMessagePack, onSurvivor];
        foreach (var follower in followers)
        {
            await follower.StartAsync();
        }

        using var newsroom = survivor.CreateNewsroomClient();
        var posted = new List<string>();
        for (var i = 1; i <= 300; i++)
        {
            posted.Add((await newsroom.PublishAsync(feed, $"Item {i}")).Id);
            if (i == 100)
            {
                await doomed.KillAsync();
                output.WriteLine($"{clock.ElapsedMilliseconds} ms: killed one at #100");
            }
        }

        output.WriteLine($"{clock.ElapsedMilliseconds} ms: 300 posted");

        foreach (var follower in followers)
        {
            await follower.WaitForAsync(300, CatchUpTimeout);
            Assert.Equal(Enumerable.Range(1, 300).Select(i => (long)i), follower.Applied.Select(e => e.Sequence));
            Assert.Equal(posted, follower.Applied.Select(e => e.Item.Id));
            Assert.Equal(0, follower.Resets);
        }

        output.WriteLine($"{clock.ElapsedMilliseconds} ms: every reader has all 300");

        Assert.True(onDoomed.Reconnects >= 1, "The reader of the killed instance never lost its connection.");
        Assert.True(onDoomedMessagePack.Reconnects >= 1, "The reader of the killed instance never lost its connection.");
    }

    [Fact]
    public async Task AfterEveryInstanceRestartsSequencesContinueTheEpochStaysAndReadersResumeWithoutAReset()
    {
        await using var redis = await RedisServer.StartNewAsync();
        await using var first = new LiveFeedProcess(RedisSettings.For(redis));
        await using var second = new LiveFeedProcess(RedisSettings.For(redis));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await Task.WhenAll(first.StartAsync(), second.StartAsync());
        output.WriteLine($"{clock.ElapsedMilliseconds} ms: two processes ready");
        var feed = NewsroomRequests.UniqueFeed("restart");
        await using var follower = new FeedFollower(feed, [first.BaseAddress, second.BaseAddress]);
        await follower.StartAsync();
        using (var newsroom = first.CreateNewsroomClient())
        {
            for (var i = 1; i <= 10; i++)
            {
                await newsroom.PublishAsync(feed, $"Before {i}");
            }
        }

        await follower.WaitForAsync(10, CatchUpTimeout);
        var epoch = follower.Epoch;

        await Task.WhenAll(first.KillAsync(), second.KillAsync());
        await Task.WhenAll(first.StartAsync(), second.StartAsync());
        output.WriteLine($"{clock.ElapsedMilliseconds} ms: both killed and ready again");
        using (var newsroom = second.CreateNewsroomClient())
        {
            for (var i = 1; i <= 10; i++)
            {
                await newsroom.PublishAsync(feed, $"After {i}");
            }
        }

        await follower.WaitForAsync(20, CatchUpTimeout);
        output.WriteLine($"{clock.ElapsedMilliseconds} ms: the reader has all 20");
        using var reader = second.CreateAnonymousClient();
        var stored = (await reader.GetFromJsonAsync<FeedPage>($"/api/feeds/{feed}/events?epoch={epoch}&after=10"))!;
        Assert.False(stored.Reset);
        Assert.Equal(epoch, stored.Epoch);
        Assert.Equal(Enumerable.Range(11, 10).Select(i => (long)i), stored.Events.Select(e => e.Sequence));
        Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), follower.Applied.Select(e => e.Sequence));
        Assert.Equal(epoch, follower.Epoch);
        Assert.Equal(0, follower.Resets);
        Assert.True(follower.Reconnects >= 1, "The reader never lost its connection.");
    }

    private static async Task<List<string>> PublishManyAsync(LiveFeedServer server, string feed, string name, int count)
    {
        using var newsroom = server.CreateNewsroomClient();
        var ids = new System.Collections.Concurrent.ConcurrentBag<string>();
        await Parallel.ForEachAsync(Enumerable.Range(1, count), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (i, _) =>
            ids.Add((await newsroom.PublishAsync(feed, $"{name} {i}")).Id));
        return [.. ids];
    }
}
