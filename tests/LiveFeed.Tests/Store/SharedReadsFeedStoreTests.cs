using System.Text.Json;
using LiveFeed.Contracts;
using LiveFeed.Feeds;
using LiveFeed.Feeds.InMemory;
using LiveFeed.Feeds.SharedReads;
using LiveFeed.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace LiveFeed.Tests.Store;

/// <summary>
/// Shared reads keep the store contract (the whole suite runs through them), and: reads that come together make one
/// store read, never one that started before them; a store error reaches every reader of the read; one reader's
/// cancellation stops neither the read nor the others; a read the store never answers ends after the timeout.
/// </summary>
public sealed class SharedReadsFeedStoreTests : FeedStoreContractTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    protected override Task<IFeedStore> CreateStoreAsync(FeedOptions options, TimeProvider time) =>
        Task.FromResult<IFeedStore>(new SharedReadsFeedStore(new InMemoryFeedStore(Options.Create(options), time), time));

    [Fact]
    public async Task ReadersThatComeWhileAReadIsInFlightShareTheNextReadAndEachGetsItsOwnPage()
    {
        var (inner, held, shared) = Stores();
        var (feed, epoch) = await SeedAsync(inner, 12);
        var release = held.HoldNextRead();
        var first = shared.ReadAsync(feed, new FeedPosition(epoch, 12), int.MaxValue, default);

        // 40 readers at all kinds of positions while the first read is in flight.
        FeedPosition?[] positions = [null, new(epoch, 0), new(epoch, 3), new(epoch, 9), new(epoch, 11), new(epoch, 12), new(epoch, 13), new("another-epoch", 5)];
        var requests = Enumerable.Range(0, 40).Select(i => new PageRequest(positions[i % positions.Length], i % 3 == 0 ? 2 : int.MaxValue)).ToList();
        var crowd = requests.Select(r => shared.ReadAsync(feed, r.After, r.MaxEvents, default)).ToList();
        release.SetResult();
        var pages = await Task.WhenAll(crowd).WaitAsync(Timeout);
        await first.WaitAsync(Timeout);

        Assert.Equal([1, 40], held.PageReads.Select(read => read.Count));
        for (var i = 0; i < requests.Count; i++)
        {
            Assert.Equal(Json(await inner.ReadAsync(feed, requests[i].After, requests[i].MaxEvents, default)), Json(pages[i]));
        }
    }

    [Fact]
    public async Task AReaderNeverJoinsAReadThatStartedBeforeItSoAnEventAppendedMeanwhileReachesIt()
    {
        var (inner, held, shared) = Stores();
        var (feed, epoch) = await SeedAsync(inner, 3);

        // A read in flight that saw the feed at #3; then #4 is appended; then a reader at #3 (which has joined its
        // group by now, so #4 would never be pushed to it) reads.
        var release = held.HoldNextRead();
        var inFlight = shared.ReadAsync(feed, new FeedPosition(epoch, 3), int.MaxValue, default);
        var appended = (await inner.PublishAsync(Item(feed, "Appended during the read"), null, default)).Event!;
        var joinedAfter = shared.ReadAsync(feed, new FeedPosition(epoch, 3), int.MaxValue, default);
        release.SetResult();

        Assert.Empty((await inFlight.WaitAsync(Timeout)).Events);
        var page = await joinedAfter.WaitAsync(Timeout);
        Assert.Equal([(appended.Sequence, appended.Item.Id)], page.Events.Select(e => (e.Sequence, e.Item.Id)));
        Assert.Equal(2, held.PageReads.Count);
    }

    [Fact]
    public async Task AStoreErrorReachesEveryReaderOfTheReadAndTheNextReadServesAgain()
    {
        var (inner, held, shared) = Stores();
        var (feed, _) = await SeedAsync(inner, 2);
        var release = held.HoldNextRead();
        var first = shared.ReadAsync(feed, null, 10, default);
        var failing = Enumerable.Range(0, 5).Select(_ => shared.ReadAsync(feed, null, 10, default)).ToList();
        held.FailNextRead(new FeedStoreUnavailableException("Redis cannot be reached: a test says so."));
        release.SetResult();

        Assert.Equal(2, (await first.WaitAsync(Timeout)).Sequence);
        foreach (var reader in failing)
        {
            await Assert.ThrowsAsync<FeedStoreUnavailableException>(() => reader.WaitAsync(Timeout));
        }

        Assert.Equal(2, (await shared.ReadAsync(feed, null, 10, default).WaitAsync(Timeout)).Sequence);
        Assert.Equal([1, 5, 1], held.PageReads.Select(read => read.Count));
    }

    [Fact]
    public async Task AReaderThatStopsWaitingCancelsNeitherTheSharedReadNorTheOtherReaders()
    {
        var (inner, held, shared) = Stores();
        var (feed, epoch) = await SeedAsync(inner, 2);
        var release = held.HoldNextRead();
        using var firstGivesUp = new CancellationTokenSource();
        using var secondGivesUp = new CancellationTokenSource();
        var first = shared.ReadAsync(feed, null, 10, firstGivesUp.Token);
        var leaving = shared.ReadAsync(feed, new FeedPosition(epoch, 0), 10, secondGivesUp.Token);
        var staying = shared.ReadAsync(feed, new FeedPosition(epoch, 1), 10, default);

        await firstGivesUp.CancelAsync();
        await secondGivesUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first.WaitAsync(Timeout));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => leaving.WaitAsync(Timeout));
        release.SetResult();

        Assert.Equal([2L], (await staying.WaitAsync(Timeout)).Events.Select(e => e.Sequence));
        Assert.Equal(2, held.PageReads.Count);
        Assert.All(held.Tokens, token => Assert.False(token.CanBeCanceled));
    }

    [Fact]
    public async Task AReadTheStoreNeverAnswersEndsForItsReadersAfterTheTimeoutAndTheNextOneStarts()
    {
        var clock = new FakeTimeProvider();
        var (inner, held, shared) = Stores(clock);
        var (feed, _) = await SeedAsync(inner, 2);
        held.HoldNextRead();
        var stuck = shared.ReadAsync(feed, null, 10, default);
        var next = shared.ReadAsync(feed, null, 10, default);

        clock.Advance(SharedReadsFeedStore.ReadTimeout - TimeSpan.FromMilliseconds(1));
        Assert.False(stuck.IsCompleted);
        Assert.Single(held.PageReads);
        clock.Advance(TimeSpan.FromMilliseconds(1));

        var timedOut = await Assert.ThrowsAsync<FeedStoreUnavailableException>(() => stuck.WaitAsync(Timeout));
        Assert.Contains("did not answer a read within 10 s", timedOut.Message, StringComparison.Ordinal);
        Assert.Equal(2, (await next.WaitAsync(Timeout)).Sequence);
        Assert.Equal(2, held.PageReads.Count);
    }

    [Fact]
    public async Task ListingsFromTheSameItemShareOneReadCutToEachLimit()
    {
        var (inner, held, shared) = Stores();
        var (feed, _) = await SeedAsync(inner, 9);
        var before = (await inner.ListItemsAsync(feed, null, 3, default)).Items[^1].Id;
        var releaseTop = held.HoldNextRead();
        var releaseBefore = held.HoldNextRead();
        var firstTop = shared.ListItemsAsync(feed, null, 2, default);
        var firstBefore = shared.ListItemsAsync(feed, before, 2, default);

        (string? Before, int Limit)[] asks = [(null, 1), (null, 5), (null, 8), (null, 9), (null, 50), (before, 1), (before, 5), (before, 7)];
        var listings = asks.Select(ask => shared.ListItemsAsync(feed, ask.Before, ask.Limit, default)).ToList();
        releaseTop.SetResult();
        releaseBefore.SetResult();
        var answers = await Task.WhenAll(listings).WaitAsync(Timeout);
        await Task.WhenAll(firstTop, firstBefore).WaitAsync(Timeout);

        // The first from the top and from 'before', then one more of each for the others.
        Assert.Equal(4, held.ListingReads);
        for (var i = 0; i < asks.Length; i++)
        {
            var own = await inner.ListItemsAsync(feed, asks[i].Before, asks[i].Limit, default);
            Assert.Equal(JsonSerializer.Serialize(own), JsonSerializer.Serialize(answers[i]));
        }
    }

    [Fact]
    public async Task HighlightsReadsOfOneFeedThatComeTogetherShareOneReadAndSeeAPinMadeBeforeThem()
    {
        var (inner, held, shared) = Stores();
        var (feed, _) = await SeedAsync(inner, 4);
        var release = held.HoldNextRead();
        var first = shared.GetHighlightsAsync(feed, default);

        // Pinned while the first read is in flight: every later read must see it.
        var pinned = await inner.PublishAsync(Item(feed, "What we know so far") with { Pinned = true }, null, default);
        var crowd = Enumerable.Range(0, 30).Select(_ => shared.GetHighlightsAsync(feed, default)).ToList();
        release.SetResult();
        var answers = await Task.WhenAll(crowd).WaitAsync(Timeout);
        await first.WaitAsync(Timeout);

        Assert.Equal(2, held.HighlightsReads);
        var own = await inner.GetHighlightsAsync(feed, default);
        Assert.Equal(pinned.Item.Id, own.Pinned?.Id);
        Assert.All(answers, answer => Assert.Equal(JsonSerializer.Serialize(own), JsonSerializer.Serialize(answer)));
    }

    private static (InMemoryFeedStore Inner, HeldReadsStore Held, SharedReadsFeedStore Shared) Stores(TimeProvider? time = null)
    {
        var inner = new InMemoryFeedStore(Options.Create(new FeedOptions { SnapshotSize = 3, EventRetention = 5 }), TimeProvider.System);
        var held = new HeldReadsStore(inner);
        return (inner, held, new SharedReadsFeedStore(held, time ?? TimeProvider.System));
    }

    /// <summary>A new feed with <paramref name="count"/> items; its name and epoch.</summary>
    private static async Task<(string Feed, string Epoch)> SeedAsync(InMemoryFeedStore store, int count)
    {
        var feed = "shared-" + Guid.NewGuid().ToString("N")[..12];
        for (var i = 1; i <= count; i++)
        {
            await store.PublishAsync(Item(feed, $"Item {i}"), null, default);
        }

        return (feed, store.Epoch);
    }

    private static FeedItem Item(string feed, string headline) => new()
    {
        Id = Guid.CreateVersion7().ToString("N"),
        Feed = feed,
        Headline = headline,
        Author = "desk",
        PublishedAt = DateTime.UnixEpoch,
    };

    private static string Json(FeedPage page) => JsonSerializer.Serialize(page);
}
