using System.Net;
using LiveFeed.Contracts;
using LiveFeed.Feeds;
using LiveFeed.Server.Streams;
using LiveFeed.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace LiveFeed.Tests.Streams;

/// <summary>Streams hear every instance: several instances on one real redis-server.</summary>
public sealed class StreamsAcrossInstancesTests
{
    private static readonly TimeSpan Delivery = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task AStreamGetsEveryEventPublishedOnEitherInstanceOnceInSequenceOrder()
    {
        await using var redis = await RedisServer.StartNewAsync();
        using var a = new LiveFeedServer(RedisSettings.For(redis));
        using var b = new LiveFeedServer(RedisSettings.For(redis));
        var feed = NewsroomRequests.UniqueFeed("both");
        await using var stream = await EventStreamClient.OpenAsync(b.BaseAddress, feed);
        Assert.Equal("reset", (await stream.NextEventAsync()).Event);

        // Posted on A alone: each reaches the stream on B at once (well before any check of the store would find it).
        using var toA = a.CreateNewsroomClient();
        using var toB = b.CreateNewsroomClient();
        for (var i = 1; i <= 3; i++)
        {
            var item = await toA.PublishAsync(feed, $"A alone {i}");
            Assert.Equal(item.Id, (await stream.NextEventAsync(TimeSpan.FromSeconds(3))).FeedEvent.Item.Id);
        }

        // Both instances publish at once: their events reach B interleaved in any order.
        const int Each = 40;
        await Task.WhenAll(
            Task.Run(async () => { for (var i = 0; i < Each; i++) { await toA.PublishAsync(feed, $"A {i}"); } }),
            Task.Run(async () => { for (var i = 0; i < Each; i++) { await toB.PublishAsync(feed, $"B {i}"); } }));

        var records = await stream.NextEventsAsync(2 * Each, Delivery);
        Assert.Equal(Enumerable.Range(4, 2 * Each).Select(i => (long)i), records.Select(record => record.FeedEvent.Sequence));
        Assert.Equal(2 * Each, records.Select(record => record.FeedEvent.Item.Id).Distinct().Count());
    }

    [Fact]
    public async Task NothingIsLostOrRepeatedOnAStreamWhenThePublishingInstanceIsKilled()
    {
        await using var redis = await RedisServer.StartNewAsync(appendOnly: true);
        await using var a = new LiveFeedProcess(RedisSettings.For(redis));
        await a.StartAsync();
        using var b = new LiveFeedServer(RedisSettings.For(redis));
        var feed = NewsroomRequests.UniqueFeed("kill");
        await using var stream = await EventStreamClient.OpenAsync(b.BaseAddress, feed);
        Assert.Equal("reset", (await stream.NextEventAsync()).Event);

        // The newsroom posts to A as fast as A answers; A is killed in the middle of it.
        var acknowledged = new List<string>();
        using var toA = a.CreateNewsroomClient();
        var posting = Task.Run(async () =>
        {
            for (var i = 0; ; i++)
            {
                try
                {
                    using var response = await toA.PostAsync(
                        new Uri($"/api/feeds/{feed}/items", UriKind.Relative),
                        System.Net.Http.Json.JsonContent.Create(new { headline = $"To A {i}" }));
                    if (response.StatusCode != HttpStatusCode.Created)
                    {
                        return;
                    }

                    var item = await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<FeedItem>(response.Content);
                    lock (acknowledged)
                    {
                        acknowledged.Add(item!.Id);
                    }
                }
                catch (HttpRequestException)
                {
                    return;
                }
            }
        });
        await Eventually.HoldsAsync(() => Task.FromResult(Count(acknowledged) >= 20), "A has stored 20 items", Delivery);
        await a.KillAsync();
        await posting.WaitAsync(Delivery);

        // Then B goes on.
        using var toB = b.CreateNewsroomClient();
        var afterwards = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            afterwards.Add((await toB.PublishAsync(feed, $"To B {i}")).Id);
        }

        // The stream ends with every acknowledged item, each once, in one gapless run of sequences (an item A stored but
        // had no time to acknowledge may be in it too: it is stored).
        var seen = new List<FeedEvent>();
        while (!seen.Select(e => e.Item.Id).Contains(afterwards[^1]))
        {
            seen.Add((await stream.NextEventAsync(Delivery)).FeedEvent);
        }

        Assert.Equal(Enumerable.Range(1, seen.Count).Select(i => (long)i), seen.Select(e => e.Sequence));
        Assert.Equal(seen.Count, seen.Select(e => e.Item.Id).Distinct().Count());
        Assert.Empty(acknowledged.Concat(afterwards).Except(seen.Select(e => e.Item.Id)));
    }

    [Fact]
    public async Task AnEventWhoseRelayWasLostReachesTheStreamsAtTheNextStoreCheck()
    {
        await using var redis = await RedisServer.StartNewAsync();
        using var a = new LiveFeedServer(RedisSettings.For(redis));
        using var b = new LiveFeedServer(RedisSettings.For(redis), services: services =>
            services.Replace(ServiceDescriptor.Singleton(new StreamTiming { StoreCheck = TimeSpan.FromSeconds(1) })));
        var feed = NewsroomRequests.UniqueFeed("lost");
        await using var stream = await EventStreamClient.OpenAsync(b.BaseAddress, feed);
        Assert.Equal("reset", (await stream.NextEventAsync()).Event);

        // Stored through A's store, and never relayed (as when A is killed between storing and publishing); no event follows.
        var stored = await a.Services.GetRequiredService<IFeedStore>().PublishAsync(
            new FeedItem { Id = Guid.CreateVersion7().ToString("N"), Feed = feed, Headline = "Never relayed", Author = "desk", PublishedAt = DateTime.UnixEpoch },
            idempotencyKey: null,
            CancellationToken.None);

        var record = await stream.NextEventAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(stored.Event!.Sequence, record.FeedEvent.Sequence);
        Assert.Equal("Never relayed", record.FeedEvent.Item.Headline);
    }

    private static int Count(List<string> list)
    {
        lock (list)
        {
            return list.Count;
        }
    }
}
