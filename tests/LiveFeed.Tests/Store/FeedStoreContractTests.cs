using LiveFeed.Contracts;
using LiveFeed.Feeds;
using Microsoft.Extensions.Time.Testing;

namespace LiveFeed.Tests.Store;

/// <summary>
/// The guarantees of <see cref="IFeedStore"/>, proven once for every store. Each store's test class
/// inherits this suite and says only how to make a store.
/// </summary>
public abstract class FeedStoreContractTests
{
    protected FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 11, 28, 14, 49, 0, TimeSpan.Zero));

    /// <summary>A store with the given options; feeds the tests use are unique, so stores may be shared.</summary>
    protected abstract Task<IFeedStore> CreateStoreAsync(FeedOptions options, TimeProvider time);

    private Task<IFeedStore> CreateStoreAsync(int snapshotSize = 50, int eventRetention = 10_000, int itemRetention = 1_000) =>
        CreateStoreAsync(new FeedOptions { SnapshotSize = snapshotSize, EventRetention = eventRetention, ItemRetention = itemRetention }, Clock);

    private static string NewFeed() => "store-" + Guid.NewGuid().ToString("N")[..20];

    private FeedItem NewItem(string feed, string headline = "Headline") => new()
    {
        Id = Guid.CreateVersion7().ToString("N"),
        Feed = feed,
        Headline = headline,
        Body = "Body",
        Priority = ItemPriority.Urgent,
        Tags = ["a", "b"],
        Link = "https://example.com/a",
        Author = "desk",
        PublishedAt = Clock.GetUtcNow().UtcDateTime,
    };

    private static readonly ItemContent Correction = new("Corrected headline", null, ItemPriority.Flash, ["c"], null);

    private async Task<List<FeedItem>> PublishManyAsync(IFeedStore store, string feed, int count)
    {
        var items = new List<FeedItem>();
        for (var i = 1; i <= count; i++)
        {
            items.Add((await store.PublishAsync(NewItem(feed, $"Item {i}"), null, default)).Item);
        }

        return items;
    }

    [Fact]
    public async Task AnEmptyFeedHasSequenceZeroAndTheEpochItsFirstEventWillCarry()
    {
        var store = await CreateStoreAsync();
        var feed = NewFeed();

        var before = await store.ReadAsync(feed, null, 100, default);
        var published = await store.PublishAsync(NewItem(feed), null, default);

        Assert.True(before.Reset);
        Assert.Equal(0, before.Sequence);
        Assert.Empty(before.Items);
        Assert.Equal(before.Epoch, published.Event!.Epoch);
    }

    [Fact]
    public async Task PublishedEventsAreNumberedFromOneByOne()
    {
        var store = await CreateStoreAsync();
        var feed = NewFeed();

        var sequences = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            var result = await store.PublishAsync(NewItem(feed), null, default);
            sequences.Add(result.Event!.Sequence);
            Assert.Equal(FeedEventKind.Published, result.Event.Kind);
        }

        Assert.Equal([1, 2, 3, 4, 5], sequences);
    }

    [Fact]
    public async Task ConcurrentPublishesGetContiguousSequencesWithNoGapOrDuplicate()
    {
        var store = await CreateStoreAsync();
        var feed = NewFeed();

        var results = await Task.WhenAll(Enumerable.Range(0, 200).Select(i =>
            Task.Run(() => store.PublishAsync(NewItem(feed, $"Item {i}"), null, default))));

        Assert.Equal(Enumerable.Range(1, 200).Select(i => (long)i), results.Select(r => r.Event!.Sequence).Order());
        var page = await store.ReadAsync(feed, new FeedPosition(results[0].Event!.Epoch, 0), 1000, default);
        Assert.Equal(Enumerable.Range(1, 200).Select(i => (long)i), page.Events.Select(e => e.Sequence));
    }

    [Fact]
    public async Task APublishedItemIsStoredWithEveryFieldAsGiven()
    {
        var store = await CreateStoreAsync();
        var feed = NewFeed();
        var item = NewItem(feed);

        await store.PublishAsync(item, null, default);

        var stored = (await store.GetItemAsync(feed, item.Id, default))?.Item;
        Assert.NotNull(stored);
        Assert.Equal(item with { Tags = [] }, stored with { Tags = [] });
        Assert.Equal(item.Tags, stored.Tags);
    }

    [Fact]
    public async Task ACorrectionReplacesTheContentKeepsPublishedAtAndAppendsACorrectedEvent()
    {
        var store = await CreateStoreAsync();
        var feed = NewFeed();
        var item = (await store.PublishAsync(NewItem(feed), null, default)).Item;
        var updatedAt = item.PublishedAt.AddMinutes(16);

        var result = await store.CorrectAsync(feed, item.Id, Correction, updatedAt, "editor", null, default);

        Assert.Equal(ChangeStatus.Changed, result.Status);
        Assert.Equal(2, result.Event!.Sequence);
        Assert.Equal(FeedEventKind.Corrected, result.Event.Kind);
        var stored = (await store.GetItemAsync(feed, item.Id, default))?.Item;
        Assert.Equal("Corrected headline", stored!.Headline);
        Assert.Null(stored.Body);
        Assert.Equal(ItemPriority.Flash, stored.Priority);
        Assert.Equal(["c"], stored.Tags);
        Assert.Null(stored.Link);
        Assert.Equal(item.PublishedAt, stored.PublishedAt);
        Assert.Equal(updatedAt, stored.UpdatedAt);
        Assert.Equal(stored.Headline, result.Event.Item.Headline);
    }

    [Fact]
    public async Task EveryEventNamesWhoMadeItAndTheItemWhoChangedItLast()
    {
        var store = await CreateStoreAsync();
        var feed = NewFeed();
        var item = (await store.PublishAsync(NewItem(feed) with { Pinned = true, KeyEvent = true }, null, default)).Item;

        var corrected = await store.CorrectAsync(feed, item.Id, Correction with { KeyEvent = true }, item.PublishedAt.AddMinutes(1), "night desk", null, default);
        var retracted = await store.RetractAsync(feed, item.Id, item.PublishedAt.AddMinutes(2), "editor", null, default);

        Assert.Equal("night desk", corrected.Item!.UpdatedBy);
        Assert.Equal("night desk", corrected.Event!.By);
        Assert.False(corrected.Item.Pinned);
        Assert.True(corrected.Item.KeyEvent);
        Assert.Equal("editor", retracted.Item!.UpdatedBy);
        var page = await store.ReadAsync(feed, new FeedPosition(corrected.Event.Epoch, 0), 10, default);
        Assert.Equal(
            [(FeedEventKind.Published, "desk", (string?)null, true), (FeedEventKind.Corrected, "night desk", "night desk", false), (FeedEventKind.Retracted, "editor", "editor", false)],
            page.Events.Select(e => (e.Kind, e.By, e.Item.UpdatedBy, e.Item.Pinned)));
        Assert.True(page.Events[0].Item.KeyEvent);
        Assert.Equal("editor", ((await store.GetItemAsync(feed, item.Id, default))?.Item)!.UpdatedBy);
    }

    [Fact]
    public async Task AnItemsVersionIsTheSequenceOfItsLatestEventAndEveryAnswerNamesIt()
    {
        var store = await CreateStoreAsync();
        var feed = NewFeed();
        var published = await store.PublishAsync(NewItem(feed), null, default);
        var other = await store.PublishAsync(NewItem(feed), null, default);

        var afterPublish = await store.GetItemAsync(feed, published.Item.Id, default);
        var corrected = await store.CorrectAsync(feed, published.Item.Id, Correction, Clock.GetUtcNow().UtcDateTime, "editor", null, default);
        var afterCorrection = await store.GetItemAsync(feed, published.Item.Id, default);
        var retracted = await store.RetractAsync(feed, published.Item.Id, Clock.GetUtcNow().UtcDateTime, "editor", null, default);

        var epoch = published.Event!.Epoch;
        Assert.Equal(new ItemVersion(epoch, 1), published.Version);
        Assert.Equal(new ItemVersion(epoch, 2), other.Version);
        Assert.Equal(new ItemVersion(epoch, 1), afterPublish!.Version);
        Assert.Equal(new ItemVersion(epoch, 3), corrected.Version);
        Assert.Equal(new ItemVersion(epoch, 3), afterCorrection!.Version);
        Assert.Equal(new ItemVersion(epoch, 4), retracted.Version);
        Assert.Equal(new ItemVersion(epoch, 2), (await store.GetItemAsync(feed, other.Item.Id, default))!.Version);
    }

    [Fact]
    public async Task AWriteWhoseIfMatchNamesAnOlderVersionChangesNothingAndAnswersTheCurrentItem()
    {
        var store = await CreateStoreAsync();
        var feed = NewFeed();
        var published = await store.PublishAsync(NewItem(feed), null, default);
        var corrected = await store.CorrectAsync(feed, published.Item.Id, Correction, Clock.GetUtcNow().UtcDateTime, "colleague", null, default);
        var stale = new IfMatch([published.Version!.Value]);

        var correction = await store.CorrectAsync(feed, published.Item.Id, Correction with { Headline = "Mine" }, Clock.GetUtcNow().UtcDateTime, "editor", stale, default);
        var retraction = await store.RetractAsync(feed, published.Item.Id, Clock.GetUtcNow().UtcDateTime, "editor", stale, default);

        foreach (var refused in new[] { correction, retraction })
        {
            Assert.Equal(ChangeStatus.VersionMismatch, refused.Status);
            Assert.Null(refused.Event);
            Assert.Equal(("Corrected headline", "colleague"), (refused.Item!.Headline, refused.Item.UpdatedBy));
            Assert.Equal(corrected.Version, refused.Version);
        }

        Assert.Equal(2, (await store.ReadAsync(feed, null, 10, default)).Sequence);
        Assert.Null((await store.GetItemAsync(feed, published.Item.Id, default))!.Item.RetractedAt);
    }

    [Fact]
    public async Task AWriteWhoseIfMatchNamesTheCurrentVersionOrAnyGoesThrough()
    {
        var store = await CreateStoreAsync();
        var feed = NewFeed();
        var published = await store.PublishAsync(NewItem(feed), null, default);
        var elsewhere = new ItemVersion("another-epoch", 1);

        var corrected = await store.CorrectAsync(
            feed, published.Item.Id, Correction, Clock.GetUtcNow().UtcDateTime, "editor", new IfMatch([elsewhere, published.Version!.Value]), default);
        var retracted = await store.RetractAsync(feed, published.Item.Id, Clock.GetUtcNow().UtcDateTime, "editor", IfMatch.Any, default);
        var again = await store.RetractAsync(feed, published.Item.Id, Clock.GetUtcNow().UtcDateTime, "editor", new IfMatch([corrected.Version!.Value]), default);
        var correctedRetracted = await store.CorrectAsync(
            feed, published.Item.Id, Correction, Clock.GetUtcNow().UtcDateTime, "editor", new IfMatch([corrected.Version!.Value]), default);

        Assert.Equal(ChangeStatus.Changed, corrected.Status);
        Assert.Equal(ChangeStatus.Changed, retracted.Status);
        Assert.Equal(ChangeStatus.VersionMismatch, again.Status);
        Assert.Equal(ChangeStatus.AlreadyRetracted, correctedRetracted.Status);
        Assert.Equal(3, (await store.ReadAsync(feed, null, 10, default)).Sequence);
    }

    [Fact]
    public async Task OfTwoCorrectionsMadeAtOnceOnTheSameVersionExactlyOneGoesThroughEveryRound()
    {
        var store = await CreateStoreAsync();
        var feed = NewFeed();
        var item = await store.PublishAsync(NewItem(feed), null, default);
        var version = item.Version!.Value;

        for (var round = 0; round < 20; round++)
        {
            var ifMatch = new IfMatch([version]);
            var results = await Task.WhenAll(new[] { "first", "second" }.Select(editor => Task.Run(() =>
                store.CorrectAsync(feed, item.Item.Id, Correction with { Headline = $"{editor} {round}" }, Clock.GetUtcNow().UtcDateTime, editor, ifMatch, default))));

            Assert.Equal([ChangeStatus.Changed, ChangeStatus.VersionMismatch], results.Select(r => r.Status).Order());
            var winner = results.Single(r => r.Status == ChangeStatus.Changed);
            var loser = results.Single(r => r.Status == ChangeStatus.VersionMismatch);
            Assert.Equal(winner.Item!.Headline, loser.Item!.Headline);
            version = winner.Version!.Value;
        }

        Assert.Equal(21, (await store.ReadAsync(feed, null, 10, default)).Sequence);
    }

    [Fact]
    public async Task AnItemsHistoryIsItsKeptEventsOldestFirstWithWhoMadeEach()
    {
        var store = await CreateStoreAsync();
        var feed = NewFeed();
        var item = (await store.PublishAsync(NewItem(feed), null, default)).Item;
        await store.PublishAsync(NewItem(feed, "Other"), null, default);
        await store.CorrectAsync(feed, item.Id, Correction, Clock.GetUtcNow().UtcDateTime, "night desk", null, default);
        await store.PublishAsync(NewItem(feed, "Another"), null, default);
        await store.RetractAsync(feed, item.Id, Clock.GetUtcNow().UtcDateTime, "editor", null, default);

        var history = await store.GetHistoryAsync(feed, item.Id, default);

        Assert.Equal(
            [(1L, FeedEventKind.Published, "desk"), (3L, FeedEventKind.Corrected, "night desk"), (5L, FeedEventKind.Retracted, "editor")],
            history!.Select(e => (e.Sequence, e.Kind, e.By)));
        Assert.All(history!, e => Assert.Equal(item.Id, e.Item.Id));
        Assert.Null(await store.GetHistoryAsync(feed, "nosuchitem", default));
        Assert.Null(await store.GetHistoryAsync(NewFeed(), item.Id, default));
    }

    [Fact]
    public async Task AnItemsHistoryHoldsOnlyTheEventsStillKept()
    {
        var store = await CreateStoreAsync(eventRetention: 3);
        var feed = NewFeed();
        var item = (await store.PublishAsync(NewItem(feed), null, default)).Item;
        await store.CorrectAsync(feed, item.Id, Correction, Clock.GetUtcNow().UtcDateTime, "editor", null, default);
        await PublishManyAsync(store, feed, 2);
        await store.CorrectAsync(feed, item.Id, Correction with { Headline = "Again" }, Clock.GetUtcNow().UtcDateTime, "editor", null, default);

        var history = await store.GetHistoryAsync(feed, item.Id, default);

        Assert.Equal([5L], history!.Select(e => e.Sequence));
    }

    [Fact]
    public async Task PinningAnItemUnpinsThePinnedOneWithItsOwnCorrectedEventJustBefore()
    {
        var store = await CreateStoreAsync();
        var feed = NewFeed();
        var first = await store.PublishAsync(NewItem(feed, "First summary") with { Pinned = true }, null, default);
        Clock.Advance(TimeSpan.FromMinutes(5));
        var second = await store.PublishAsync(NewItem(feed, "Second summary") with { Pinned = true, Author = "night desk" }, null, default);
        Clock.Advance(TimeSpan.FromMinutes(5));
        var pinnedAt = Clock.GetUtcNow().UtcDateTime;
        var third = await store.CorrectAsync(feed, first.Item.Id, Correction with { Pinned = true }, pinnedAt, "editor", null, default);

        Assert.Null(first.Unpinned);
        var unpinnedFirst = second.Unpinned!;
        Assert.Equal((2L, FeedEventKind.Corrected, first.Item.Id, false), (unpinnedFirst.Sequence, unpinnedFirst.Kind, unpinnedFirst.Item.Id, unpinnedFirst.Item.Pinned));
        Assert.Equal(("night desk", "night desk", second.Item.PublishedAt), (unpinnedFirst.By, unpinnedFirst.Item.UpdatedBy, unpinnedFirst.Item.UpdatedAt));
        Assert.Equal(3, second.Event!.Sequence);
        var unpinnedSecond = third.Unpinned!;
        Assert.Equal((4L, second.Item.Id, false, "editor", pinnedAt), (unpinnedSecond.Sequence, unpinnedSecond.Item.Id, unpinnedSecond.Item.Pinned, unpinnedSecond.By, unpinnedSecond.Item.UpdatedAt));
        Assert.Equal(5, third.Event!.Sequence);
        var page = await store.ReadAsync(feed, new FeedPosition(first.Event!.Epoch, 0), 10, default);
        Assert.Equal(
            [(first.Item.Id, true), (first.Item.Id, false), (second.Item.Id, true), (second.Item.Id, false), (first.Item.Id, true)],
            page.Events.Select(e => (e.Item.Id, e.Item.Pinned)));
        Assert.Equal([first.Item.Id], (await store.ListItemsAsync(feed, null, 10, default)).Items.Where(i => i.Pinned).Select(i => i.Id));
        Assert.Equal(new ItemVersion(first.Event.Epoch, 4), (await store.GetItemAsync(feed, second.Item.Id, default))!.Version);
    }

    [Fact]
    public async Task CorrectingThePinnedItemKeepingItPinnedUnpinsNothing()
    {
        var store = await CreateStoreAsync();
        var feed = NewFeed();
        var pinned = await store.PublishAsync(NewItem(feed) with { Pinned = true }, null, default);

        var corrected = await store.CorrectAsync(feed, pinned.Item.Id, Correction with { Pinned = true }, Clock.GetUtcNow().UtcDateTime, "editor", null, default);
        var unpinned = await store.CorrectAsync(feed, pinned.Item.Id, Correction, Clock.GetUtcNow().UtcDateTime, "editor", null, default);
        var next = await store.PublishAsync(NewItem(feed) with { Pinned = true }, null, default);

        Assert.Null(corrected.Unpinned);
        Assert.Equal(2, corrected.Event!.Sequence);
        Assert.False(unpinned.Item!.Pinned);
        Assert.Null(next.Unpinned);
        Assert.Equal(4, next.Event!.Sequence);
    }

    [Fact]
    public async Task RetractingThePinnedItemUnpinsItSoTheNextPinUnpinsNothing()
    {
        var store = await CreateStoreAsync();
        var feed = NewFeed();
        var pinned = await store.PublishAsync(NewItem(feed) with { Pinned = true }, null, default);

        var retracted = await store.RetractAsync(feed, pinned.Item.Id, Clock.GetUtcNow().UtcDateTime, "editor", null, default);
        var repin = await store.CorrectAsync(feed, pinned.Item.Id, Correction with { Pinned = true }, Clock.GetUtcNow().UtcDateTime, "editor", null, default);
        var next = await store.PublishAsync(NewItem(feed) with { Pinned = true }, null, default);

        Assert.False(retracted.Event!.Item.Pinned);
        Assert.False((await store.GetItemAsync(feed, pinned.Item.Id, default))!.Item.Pinned);
        Assert.Equal(ChangeStatus.AlreadyRetracted, repin.Status);
        Assert.Null(next.Unpinned);
        Assert.Equal(3, next.Event!.Sequence);
    }

    [Fact]
    public async Task KeyEventsAreReadHoweverOldNewestFirstInTheFeedsOrderUntilUnmarkedRetractedOrNoLongerKept()
    {
        var store = await CreateStoreAsync(snapshotSize: 3, itemRetention: 70);
        var feed = NewFeed();
        Assert.Empty((await store.GetHighlightsAsync(feed, default)).KeyEvents);
        var first = (await store.PublishAsync(NewItem(feed, "Polls open") with { KeyEvent = true }, null, default)).Item;
        var plain = (await store.PublishAsync(NewItem(feed, "A \"keyEvent\":true in a headline is not one"), null, default)).Item;
        var second = (await store.PublishAsync(NewItem(feed, "First results") with { KeyEvent = true }, null, default)).Item;
        await PublishManyAsync(store, feed, 5);

        var read = await store.GetHighlightsAsync(feed, default);
        var reset = await store.ReadAsync(feed, null, 0, default);

        Assert.DoesNotContain(reset.Items, item => item.Id == first.Id || item.Id == second.Id); // older than the reset page
        Assert.Equal((reset.Epoch, 8L), (read.Epoch, read.Sequence));
        Assert.Equal([second.Id, first.Id], read.KeyEvents.Select(item => item.Id));

        // Marked later: in its place in the feed, not first. Unmarked or retracted: gone.
        await store.CorrectAsync(feed, plain.Id, Correction with { KeyEvent = true }, Clock.GetUtcNow().UtcDateTime, "editor", null, default);
        Assert.Equal([second.Id, plain.Id, first.Id], (await store.GetHighlightsAsync(feed, default)).KeyEvents.Select(item => item.Id));
        Assert.Equal("Corrected headline", (await store.GetHighlightsAsync(feed, default)).KeyEvents[1].Headline);
        await store.CorrectAsync(feed, plain.Id, Correction, Clock.GetUtcNow().UtcDateTime, "editor", null, default);
        await store.RetractAsync(feed, second.Id, Clock.GetUtcNow().UtcDateTime, "editor", null, default);
        Assert.Equal([first.Id], (await store.GetHighlightsAsync(feed, default)).KeyEvents.Select(item => item.Id));

        // The newest ones only, and only while kept.
        var many = new List<string>();
        for (var i = 0; i < HighlightsRead.MaxKeyEvents + 5; i++)
        {
            many.Add((await store.PublishAsync(NewItem(feed, $"Key {i}") with { KeyEvent = true }, null, default)).Item.Id);
        }

        Assert.Equal(Enumerable.Reverse(many).Take(HighlightsRead.MaxKeyEvents), (await store.GetHighlightsAsync(feed, default)).KeyEvents.Select(item => item.Id));
        await PublishManyAsync(store, feed, 70);
        Assert.Empty((await store.GetHighlightsAsync(feed, default)).KeyEvents);
    }

    [Fact]
    public async Task ThePinnedItemIsReadHoweverOldWithThePositionUntilItIsUnpinnedRetractedOrNoLongerKept()
    {
        var store = await CreateStoreAsync(snapshotSize: 3, itemRetention: 8);
        var feed = NewFeed();
        var empty = await store.GetHighlightsAsync(feed, default);
        var pinned = (await store.PublishAsync(NewItem(feed, "What we know") with { Pinned = true }, null, default)).Item;
        await PublishManyAsync(store, feed, 5);

        var read = await store.GetHighlightsAsync(feed, default);
        var reset = await store.ReadAsync(feed, null, 0, default);

        Assert.Equal((reset.Epoch, 0L, (FeedItem?)null), (empty.Epoch, empty.Sequence, empty.Pinned));
        Assert.DoesNotContain(reset.Items, item => item.Id == pinned.Id); // older than the reset page
        Assert.Equal((reset.Epoch, 6L, pinned.Id, "What we know"), (read.Epoch, read.Sequence, read.Pinned?.Id, read.Pinned?.Headline));

        await store.CorrectAsync(feed, pinned.Id, Correction, Clock.GetUtcNow().UtcDateTime, "editor", null, default);
        Assert.Equal((7L, (FeedItem?)null), ((await store.GetHighlightsAsync(feed, default)).Sequence, (await store.GetHighlightsAsync(feed, default)).Pinned));

        await store.CorrectAsync(feed, pinned.Id, Correction with { Pinned = true }, Clock.GetUtcNow().UtcDateTime, "editor", null, default);
        Assert.Equal("Corrected headline", (await store.GetHighlightsAsync(feed, default)).Pinned?.Headline);
        await store.RetractAsync(feed, pinned.Id, Clock.GetUtcNow().UtcDateTime, "editor", null, default);
        Assert.Null((await store.GetHighlightsAsync(feed, default)).Pinned);

        var again = (await store.PublishAsync(NewItem(feed, "Pinned, then dropped") with { Pinned = true }, null, default)).Item;
        Assert.Equal(again.Id, (await store.GetHighlightsAsync(feed, default)).Pinned?.Id);
        await PublishManyAsync(store, feed, 8); // past ItemRetention: no longer kept
        Assert.Null((await store.GetHighlightsAsync(feed, default)).Pinned);
    }

    [Fact]
    public async Task TwoWritesPinningTwoItemsAtOnceLeaveExactlyOnePinnedEveryRound()
    {
        var store = await CreateStoreAsync();
        var feed = NewFeed();
        var items = await PublishManyAsync(store, feed, 2);

        for (var round = 0; round < 20; round++)
        {
            await Task.WhenAll(items.Select(item => Task.Run(() =>
                store.CorrectAsync(feed, item.Id, Correction with { Headline = $"{item.Id} {round}", Pinned = true }, Clock.GetUtcNow().UtcDateTime, "editor", null, default))));

            var listed = await store.ListItemsAsync(feed, null, 10, default);
            Assert.Single(listed.Items, i => i.Pinned);
        }
    }

    [Fact]
    public async Task CorrectingOrRetractingAnUnknownItemAnswersNotFoundAndAppendsNothing()
    {
        var store = await CreateStoreAsync();
        var feed = NewFeed();
        await store.PublishAsync(NewItem(feed), null, default);

        var corrected = await store.CorrectAsync(feed, "nosuchitem", Correction, Clock.GetUtcNow().UtcDateTime, "editor", null, default);
        var retracted = await store.RetractAsync(feed, "nosuchitem", Clock.GetUtcNow().UtcDateTime, "editor", null, default);
        var onUnknownFeed = await store.RetractAsync(NewFeed(), "nosuchitem", Clock.GetUtcNow().UtcDateTime, "editor", null, default);

        Assert.Equal(ChangeStatus.NotFound, corrected.Status);
        Assert.Equal(ChangeStatus.NotFound, retracted.Status);
        Assert.Equal(ChangeStatus.NotFound, onUnknownFeed.Status);
        Assert.Equal(1, (await store.ReadAsync(feed, null, 10, default)).Sequence);
    }

    [Fact]
    public async Task ARetractionMarksTheItemOnceAndASecondOneAppendsNothing()
    {
        var store = await CreateStoreAsync();
        var feed = NewFeed();
        var item = (await store.PublishAsync(NewItem(feed), null, default)).Item;
        var retractedAt = item.PublishedAt.AddMinutes(3);

        var first = await store.RetractAsync(feed, item.Id, retractedAt, "editor", null, default);
        var second = await store.RetractAsync(feed, item.Id, retractedAt.AddMinutes(1), "editor", null, default);

        Assert.Equal(ChangeStatus.Changed, first.Status);
        Assert.Equal(FeedEventKind.Retracted, first.Event!.Kind);
        Assert.Equal(retractedAt, first.Event.Item.RetractedAt);
        Assert.Equal(ChangeStatus.AlreadyRetracted, second.Status);
        Assert.Null(second.Event);
        Assert.Equal(retractedAt, ((await store.GetItemAsync(feed, item.Id, default))?.Item)!.RetractedAt);
        Assert.Equal(2, (await store.ReadAsync(feed, null, 10, default)).Sequence);
    }

    [Fact]
    public async Task ARetractedItemCannotBeCorrected()
    {
        var store = await CreateStoreAsync();
        var feed = NewFeed();
        var item = (await store.PublishAsync(NewItem(feed), null, default)).Item;
        await store.RetractAsync(feed, item.Id, item.PublishedAt, "editor", null, default);

        var result = await store.CorrectAsync(feed, item.Id, Correction, item.PublishedAt, "editor", null, default);

        Assert.Equal(ChangeStatus.AlreadyRetracted, result.Status);
        Assert.Null(result.Event);
        Assert.Equal("Headline", ((await store.GetItemAsync(feed, item.Id, default))?.Item)!.Headline);
    }

    [Fact]
    public async Task ListingGivesNewestFirstLeavesRetractedOutAndPagesByBefore()
    {
        var store = await CreateStoreAsync();
        var feed = NewFeed();
        var items = await PublishManyAsync(store, feed, 7);
        await store.RetractAsync(feed, items[4].Id, Clock.GetUtcNow().UtcDateTime, "editor", null, default);

        var first = await store.ListItemsAsync(feed, null, 3, default);
        var second = await store.ListItemsAsync(feed, first.Items[^1].Id, 3, default);

        Assert.Equal(["Item 7", "Item 6", "Item 4"], first.Items.Select(i => i.Headline));
        Assert.True(first.HasOlder);
        Assert.Equal(["Item 3", "Item 2", "Item 1"], second.Items.Select(i => i.Headline));
        Assert.False(second.HasOlder);
        Assert.Equal(8, first.Sequence);
    }

    [Fact]
    public async Task ListingBeforeAnItemTheFeedDoesNotKeepIsRefused()
    {
        var store = await CreateStoreAsync();
        var feed = NewFeed();
        await PublishManyAsync(store, feed, 2);

        await Assert.ThrowsAsync<UnknownItemException>(() => store.ListItemsAsync(feed, "nosuchitem", 10, default));
    }

    [Fact]
    public async Task ReadingWithoutAPositionGivesAResetWithTheLatestItemsNewestFirst()
    {
        var store = await CreateStoreAsync(snapshotSize: 3);
        var feed = NewFeed();
        var items = await PublishManyAsync(store, feed, 5);
        await store.RetractAsync(feed, items[3].Id, Clock.GetUtcNow().UtcDateTime, "editor", null, default);

        var page = await store.ReadAsync(feed, null, 100, default);

        Assert.True(page.Reset);
        Assert.Equal(6, page.Sequence);
        Assert.Equal(["Item 5", "Item 3", "Item 2"], page.Items.Select(i => i.Headline));
        Assert.Empty(page.Events);
    }

    [Fact]
    public async Task ReadingFromAPositionGivesExactlyTheLaterEventsOldestFirst()
    {
        var store = await CreateStoreAsync();
        var feed = NewFeed();
        var items = await PublishManyAsync(store, feed, 4);
        await store.CorrectAsync(feed, items[0].Id, Correction, Clock.GetUtcNow().UtcDateTime, "editor", null, default);
        var epoch = (await store.ReadAsync(feed, null, 1, default)).Epoch;

        var page = await store.ReadAsync(feed, new FeedPosition(epoch, 2), 100, default);

        Assert.False(page.Reset);
        Assert.Equal(5, page.Sequence);
        Assert.Equal([3, 4, 5], page.Events.Select(e => e.Sequence));
        Assert.Equal([FeedEventKind.Published, FeedEventKind.Published, FeedEventKind.Corrected], page.Events.Select(e => e.Kind));
        Assert.Empty(page.Items);
    }

    [Fact]
    public async Task ReadingAtTheHeadGivesNoEventsAndNoReset()
    {
        var store = await CreateStoreAsync();
        var feed = NewFeed();
        await PublishManyAsync(store, feed, 3);
        var epoch = (await store.ReadAsync(feed, null, 1, default)).Epoch;

        var page = await store.ReadAsync(feed, new FeedPosition(epoch, 3), 100, default);

        Assert.False(page.Reset);
        Assert.Empty(page.Events);
        Assert.Equal(3, page.Sequence);
    }

    [Fact]
    public async Task ReadingGivesAtMostMaxEventsFromThePosition()
    {
        var store = await CreateStoreAsync();
        var feed = NewFeed();
        await PublishManyAsync(store, feed, 10);
        var epoch = (await store.ReadAsync(feed, null, 1, default)).Epoch;

        var page = await store.ReadAsync(feed, new FeedPosition(epoch, 2), 4, default);

        Assert.False(page.Reset);
        Assert.Equal([3, 4, 5, 6], page.Events.Select(e => e.Sequence));
        Assert.Equal(10, page.Sequence);
    }

    [Fact]
    public async Task APositionFromAnotherEpochGivesAReset()
    {
        var store = await CreateStoreAsync();
        var feed = NewFeed();
        await PublishManyAsync(store, feed, 3);

        var page = await store.ReadAsync(feed, new FeedPosition("another-epoch", 1), 100, default);

        Assert.True(page.Reset);
        Assert.Equal(3, page.Items.Count);
    }

    [Fact]
    public async Task APositionAheadOfTheFeedGivesAReset()
    {
        var store = await CreateStoreAsync();
        var feed = NewFeed();
        await PublishManyAsync(store, feed, 3);
        var epoch = (await store.ReadAsync(feed, null, 1, default)).Epoch;

        var page = await store.ReadAsync(feed, new FeedPosition(epoch, 4), 100, default);

        Assert.True(page.Reset);
        Assert.Equal(3, page.Sequence);
    }

    [Fact]
    public async Task APositionOlderThanTheKeptEventsGivesAResetAndTheOldestKeptOneResumes()
    {
        var store = await CreateStoreAsync(eventRetention: 5);
        var feed = NewFeed();
        await PublishManyAsync(store, feed, 12);
        var epoch = (await store.ReadAsync(feed, null, 1, default)).Epoch;

        var tooOld = await store.ReadAsync(feed, new FeedPosition(epoch, 6), 100, default);
        var oldestKept = await store.ReadAsync(feed, new FeedPosition(epoch, 7), 100, default);

        Assert.True(tooOld.Reset);
        Assert.False(oldestKept.Reset);
        Assert.Equal([8, 9, 10, 11, 12], oldestKept.Events.Select(e => e.Sequence));
    }

    [Fact]
    public async Task OneReadForManyReadersAnswersEachExactlyAsItsOwnReadWould()
    {
        var store = await CreateStoreAsync(snapshotSize: 3, eventRetention: 5);
        var feed = NewFeed();
        var items = await PublishManyAsync(store, feed, 10);
        await store.CorrectAsync(feed, items[8].Id, Correction, Clock.GetUtcNow().UtcDateTime, "editor", null, default);
        await store.RetractAsync(feed, items[9].Id, Clock.GetUtcNow().UtcDateTime, "editor", null, default);
        var epoch = (await store.ReadAsync(feed, null, 1, default)).Epoch;

        // Sequence 12, events 8 to 12 kept: no position, stale, the oldest resumable, kept, at the head, ahead,
        // nonsense, another epoch; each with a small and an unbounded number of events.
        FeedPosition?[] positions =
        [
            null, new(epoch, 0), new(epoch, 6), new(epoch, 7), new(epoch, 9), new(epoch, 11), new(epoch, 12),
            new(epoch, 13), new(epoch, -1), new(epoch, long.MaxValue), new(epoch, long.MinValue), new("another-epoch", 9),
        ];
        var requests = positions.SelectMany(p => new[] { new PageRequest(p, 2), new PageRequest(p, int.MaxValue) }).ToList();
        var own = new List<string>();
        foreach (var request in requests)
        {
            own.Add(Json(await store.ReadAsync(feed, request.After, request.MaxEvents, default)));
        }

        // All at once, and groups of them as a shared read meets them: only readers that can resume, or one reset among them.
        Assert.Equal(own, (await store.ReadPagesAsync(feed, requests, default)).Select(Json));
        int[][] groups = [[7, 9, 12], [6, 10, 8], [4, 7, 13], [3, 5], [22, 8], [14, 10, 9], [19, 11], [16, 6], [20, 12], [0, 9]];
        foreach (var group in groups)
        {
            var pages = await store.ReadPagesAsync(feed, group.Select(i => requests[i]).ToList(), default);
            Assert.Equal(group.Select(i => own[i]), pages.Select(Json));
        }
    }

    [Fact]
    public async Task OneReadForManyReadersOfAnEmptyFeedAnswersEachAsItsOwnReadWould()
    {
        var store = await CreateStoreAsync();
        var feed = NewFeed();
        var epoch = (await store.ReadAsync(feed, null, 1, default)).Epoch;
        PageRequest[] requests = [new(null, 10), new(new(epoch, 0), 10), new(new(epoch, 1), 10), new(new("another-epoch", 0), 10)];
        var own = new List<string>();
        foreach (var request in requests)
        {
            own.Add(Json(await store.ReadAsync(feed, request.After, request.MaxEvents, default)));
        }

        Assert.Equal(own, (await store.ReadPagesAsync(feed, requests, default)).Select(Json));
        Assert.False((await store.ReadPagesAsync(feed, requests, default))[1].Reset);
    }

    private static string Json(FeedPage page) => System.Text.Json.JsonSerializer.Serialize(page);

    [Fact]
    public async Task OnlyTheLatestItemsAreKept()
    {
        var store = await CreateStoreAsync(itemRetention: 3);
        var feed = NewFeed();
        var items = await PublishManyAsync(store, feed, 5);

        var listed = await store.ListItemsAsync(feed, null, 10, default);

        Assert.Equal(["Item 5", "Item 4", "Item 3"], listed.Items.Select(i => i.Headline));
        Assert.False(listed.HasOlder);
        Assert.Null((await store.GetItemAsync(feed, items[0].Id, default))?.Item);
        Assert.Equal(ChangeStatus.NotFound, (await store.RetractAsync(feed, items[0].Id, Clock.GetUtcNow().UtcDateTime, "editor", null, default)).Status);
    }

    [Fact]
    public async Task ARetryWithTheSameIdempotencyKeyAnswersTheOriginalItemAndAppendsNothing()
    {
        var store = await CreateStoreAsync();
        var feed = NewFeed();
        var original = await store.PublishAsync(NewItem(feed, "Original"), "key-1", default);

        var retry = await store.PublishAsync(NewItem(feed, "Retry"), "key-1", default);

        Assert.Null(retry.Event);
        Assert.Equal(original.Item.Id, retry.Item.Id);
        Assert.Equal("Original", retry.Item.Headline);
        Assert.Equal(1, (await store.ReadAsync(feed, null, 10, default)).Sequence);
    }

    [Fact]
    public async Task AnIdempotencyKeyIsPerFeedAndExpiresAfterTwentyFourHours()
    {
        var store = await CreateStoreAsync();
        var feed = NewFeed();
        var other = NewFeed();
        await store.PublishAsync(NewItem(feed), "key-2", default);

        var onOtherFeed = await store.PublishAsync(NewItem(other), "key-2", default);
        Clock.Advance(TimeSpan.FromHours(23));
        var within = await store.PublishAsync(NewItem(feed), "key-2", default);
        Clock.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));
        var after = await store.PublishAsync(NewItem(feed), "key-2", default);

        Assert.NotNull(onOtherFeed.Event);
        Assert.Null(within.Event);
        Assert.NotNull(after.Event);
        Assert.Equal(2, after.Event.Sequence);
    }

    [Fact]
    public async Task ListingFeedsNamesEachFeedWithItsEpochAndLatestSequence()
    {
        var store = await CreateStoreAsync();
        var feed = NewFeed();
        await PublishManyAsync(store, feed, 2);
        var readOnly = NewFeed();
        await store.ReadAsync(readOnly, null, 10, default);

        var feeds = await store.ListFeedsAsync(default);

        var summary = Assert.Single(feeds, f => f.Feed == feed);
        Assert.Equal(2, summary.Sequence);
        Assert.Equal((await store.ReadAsync(feed, null, 1, default)).Epoch, summary.Epoch);
        Assert.DoesNotContain(feeds, f => f.Feed == readOnly);
    }
}
