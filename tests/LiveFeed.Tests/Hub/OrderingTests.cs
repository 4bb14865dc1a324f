using LiveFeed.Contracts;
using LiveFeed.Tests.Infrastructure;
using Microsoft.AspNetCore.Http.Connections;
using Xunit.Abstractions;

namespace LiveFeed.Tests.Hub;

/// <summary>
/// Sequences under load: concurrent publishers never share or skip a sequence, every reader receives a feed's
/// events in order, and no event falls between the Subscribe answer and live delivery. The store answers late
/// (<see cref="SlowStoreServer"/>), so requests overlap where ordering could go wrong.
/// </summary>
public sealed class OrderingTests(SlowStoreServer fixture, ITestOutputHelper output) : IClassFixture<SlowStoreServer>
{
    // Generous: the machines running the tests are shared. A lost event fails at this bound, never hangs.
    private static readonly TimeSpan ManyEvents = TimeSpan.FromSeconds(60);

    private readonly LiveFeedServer _server = fixture.Server;

    [Fact]
    public async Task TwoHundredConcurrentPublishesGetSequencesOneToTwoHundredAndEveryReaderReceivesThemInOrder()
    {
        var feed = NewsroomRequests.UniqueFeed();
        await using var json = await _server.ConnectReaderAsync(HubProtocolKind.Json);
        await using var messagePack = await _server.ConnectReaderAsync(HubProtocolKind.MessagePack);
        var epoch = (await json.SubscribeAsync(feed)).Epoch;
        await messagePack.SubscribeAsync(feed);

        using var start = new SemaphoreSlim(0);
        var publishers = Enumerable.Range(0, 8).Select(p => Task.Run(async () =>
        {
            using var newsroom = _server.CreateNewsroomClient();
            await start.WaitAsync();
            var posted = new List<FeedItem>();
            for (var i = 0; i < 25; i++)
            {
                posted.Add(await newsroom.PublishAsync(feed, $"publisher {p} item {i}"));
            }

            return posted;
        })).ToList();
        start.Release(8);
        var postedIds = (await Task.WhenAll(publishers)).SelectMany(items => items).Select(item => item.Id).ToList();

        using var anonymous = _server.CreateAnonymousClient();
        var log = await anonymous.GetEventsAsync(feed, epoch, 0);
        var oneToTwoHundred = Enumerable.Range(1, 200).Select(s => (long)s).ToList();
        Assert.False(log.Reset);
        Assert.Equal(200, log.Sequence);
        Assert.Equal(oneToTwoHundred, log.Events.Select(e => e.Sequence));
        Assert.Equal(postedIds.Order(), log.Events.Select(e => e.Item.Id).Order());
        var logIds = log.Events.Select(e => e.Item.Id).ToList();

        foreach (var reader in new[] { json, messagePack })
        {
            var received = await reader.NextEventsAsync(200, ManyEvents);
            Assert.Equal(oneToTwoHundred, received.Select(e => e.Sequence));
            Assert.Equal(logIds, received.Select(e => e.Item.Id));
        }
    }

    [Fact]
    public async Task ReadersWhoSubscribeWhileTheNewsroomPublishesMissNoEvent()
    {
        const int Published = 120;
        const int Readers = 10;
        var seed = Random.Shared.Next();
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        var feed = NewsroomRequests.UniqueFeed();
        var combinations = DeliveryTests.ProtocolsAndTransports.Select(row => ((HubProtocolKind)row[0], (HttpTransportType)row[1])).ToList();

        // The readers connect first, then each subscribes as soon as the newsroom has published its chosen count.
        var reached = Enumerable.Range(0, Published + 1).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        reached[0].SetResult();
        await using var probe = await _server.ConnectReaderAsync();
        var epoch = (await probe.SubscribeAsync(feed)).Epoch;
        var plans = Enumerable.Range(0, Readers).Select(i =>
        {
            var after = random.Next(0, Published - 5);
            // Half start over (no position); half resume from an earlier position they could hold.
            long? position = i % 2 == 0 ? null : random.Next(0, after + 1);
            return (Connection: combinations[i % combinations.Count], After: after, Position: position, Pause: random.Next(0, 4));
        }).ToList();
        var readers = new List<TestReader>();
        foreach (var plan in plans)
        {
            readers.Add(await _server.ConnectReaderAsync(plan.Connection.Item1, plan.Connection.Item2));
        }

        try
        {
            var subscriptions = plans.Select(async (plan, i) =>
            {
                await reached[plan.After].Task.WaitAsync(ManyEvents);
                await Task.Delay(plan.Pause);
                return await readers[i].SubscribeAsync(feed, plan.Position is null ? null : epoch, plan.Position);
            }).ToList();

            using (var newsroom = _server.CreateNewsroomClient())
            {
                for (var i = 1; i <= Published; i++)
                {
                    await newsroom.PublishAsync(feed, $"item {i}");
                    reached[i].SetResult();
                }
            }

            var pages = await Task.WhenAll(subscriptions);
            using var anonymous = _server.CreateAnonymousClient();
            var idsBySequence = (await anonymous.GetEventsAsync(feed, epoch, 0)).Events.ToDictionary(e => e.Sequence, e => e.Item.Id);

            for (var i = 0; i < Readers; i++)
            {
                var (page, plan) = (pages[i], plans[i]);
                output.WriteLine($"reader {i} {plan.Connection} subscribed after {plan.After} from {(plan.Position is { } p ? $"{p}" : "nothing")}: page at {page.Sequence}, reset {page.Reset}");
                long lastApplied;
                if (plan.Position is null)
                {
                    Assert.True(page.Reset);
                    // The reset page is the state at its sequence: the latest items (50 by default), newest first.
                    var expected = Enumerable.Range(0, (int)Math.Min(50, page.Sequence)).Select(k => idsBySequence[page.Sequence - k]);
                    Assert.Equal(expected, page.Items.Select(item => item.Id));
                    lastApplied = page.Sequence;
                }
                else
                {
                    Assert.False(page.Reset);
                    var fromPage = HubSteps.ApplyInOrder(plan.Position.Value, page.Events);
                    lastApplied = fromPage.Count == 0 ? plan.Position.Value : fromPage[^1];
                    Assert.Equal(page.Sequence, lastApplied);
                }

                var pushed = await readers[i].EventsUntilAsync(Published, ManyEvents);
                var applied = HubSteps.ApplyInOrder(lastApplied, pushed);
                Assert.Equal(Enumerable.Range((int)lastApplied + 1, Published - (int)lastApplied).Select(s => (long)s), applied);
                Assert.All(pushed, e => Assert.Equal(idsBySequence[e.Sequence], e.Item.Id));
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
