using LiveFeed.Client;
using LiveFeed.Contracts;
using Microsoft.Extensions.Time.Testing;

namespace LiveFeed.Tests.Client;

/// <summary>The client rule of the contract, one feed at a time, against a scripted source and a fake clock.</summary>
public sealed class FeedTrackerTests
{
    private const string Feed = "main";
    private static readonly TimeSpan GapTimeout = TimeSpan.FromSeconds(1);

    private readonly FakeTimeProvider _clock = new();
    private readonly FakeSource _source = new();

    [Fact]
    public async Task EventsAreAppliedInOrderAndDuplicatesDropped()
    {
        var tracker = await SubscribedTrackerAsync();

        var applied = new List<FeedUpdate>();
        applied.AddRange(await tracker.ReceiveAsync(Published("e1", 1), default));
        applied.AddRange(await tracker.ReceiveAsync(Published("e1", 1), default));
        applied.AddRange(await tracker.ReceiveAsync(Published("e1", 2), default));
        applied.AddRange(await tracker.ReceiveAsync(Published("e1", 1), default));

        Assert.Equal([1L, 2L], applied.Select(update => update.Event!.Sequence));
        Assert.Equal(["item-2", "item-1"], tracker.Items.Select(item => item.Id));
        Assert.Equal(2, tracker.Sequence);
    }

    [Fact]
    public async Task AnEventAfterAGapIsHeldUntilTheMissingOneArrives()
    {
        var tracker = await SubscribedTrackerAsync();
        await tracker.ReceiveAsync(Published("e1", 1), default);

        var afterGap = await tracker.ReceiveAsync(Published("e1", 3), default);
        var filled = await tracker.ReceiveAsync(Published("e1", 2), default);

        Assert.Empty(afterGap);
        Assert.Equal([2L, 3L], filled.Select(update => update.Event!.Sequence));
        Assert.Equal(0, tracker.HeldCount);
        Assert.Empty(_source.EventReads);
    }

    [Fact]
    public async Task MissingEventsAreFetchedOnlyAfterTheGapTimeout()
    {
        var tracker = await SubscribedTrackerAsync();
        await tracker.ReceiveAsync(Published("e1", 1), default);
        await tracker.ReceiveAsync(Published("e1", 3), default);
        _source.ReadEvents = (epoch, after) => EventsPage(epoch, 3, Published(epoch, 2), Published(epoch, 3));

        _clock.Advance(GapTimeout / 2);
        var early = await tracker.FillGapAsync(default);
        _clock.Advance(GapTimeout / 2);
        var due = await tracker.FillGapAsync(default);

        Assert.Empty(early);
        Assert.Equal([("e1", 1L)], _source.EventReads);
        Assert.Equal([2L, 3L], due.Select(update => update.Event!.Sequence));
        Assert.Null(tracker.GapDeadline);
    }

    [Fact]
    public async Task AFetchAnswerCappedBelowTheFeedsSequenceIsFollowedByAnother()
    {
        var tracker = await SubscribedTrackerAsync();
        await tracker.ReceiveAsync(Published("e1", 5), default);
        // The API answers at most two events here (1000 on a real server) while the feed is at 4.
        _source.ReadEvents = (epoch, after) => EventsPage(epoch, 4, [.. Enumerable.Range((int)after + 1, 2).Where(s => s <= 4).Select(s => Published(epoch, s))]);

        _clock.Advance(GapTimeout);
        var filled = await tracker.FillGapAsync(default);

        Assert.Equal([("e1", 0L), ("e1", 2L)], _source.EventReads);
        Assert.Equal([1L, 2L, 3L, 4L, 5L], filled.Select(update => update.Event!.Sequence));
    }

    [Fact]
    public async Task AResetAnswerToTheFetchStartsOverFromItsItems()
    {
        var tracker = await SubscribedTrackerAsync();
        await tracker.ReceiveAsync(Published("e1", 1), default);
        await tracker.ReceiveAsync(Published("e1", 3), default);
        _source.ReadEvents = (epoch, after) => ResetPage("e1", 9, Item(9), Item(8));

        _clock.Advance(GapTimeout);
        var updates = await tracker.FillGapAsync(default);

        var reset = Assert.Single(updates);
        Assert.True(reset.IsReset);
        Assert.Equal(["item-9", "item-8"], tracker.Items.Select(item => item.Id));
        Assert.Equal(9, tracker.Sequence);
        Assert.Equal(0, tracker.HeldCount);
    }

    [Fact]
    public async Task AnEventFromAnotherEpochSubscribesAgainFromThePositionAndStartsOverOnAReset()
    {
        var tracker = await SubscribedTrackerAsync();
        await tracker.ReceiveAsync(Published("e1", 1), default);
        _source.Pages.Enqueue(ResetPage("e2", 1, Item(1, "after the restart")));

        var updates = await tracker.ReceiveAsync(Published("e2", 1, "after the restart"), default);

        Assert.Equal(("e1", (long?)1), (_source.Subscribes[^1].Epoch, _source.Subscribes[^1].Sequence));
        var reset = Assert.Single(updates);
        Assert.True(reset.IsReset);
        Assert.Equal("e2", tracker.Epoch);
        Assert.Equal(["after the restart"], tracker.Items.Select(item => item.Headline));
    }

    [Fact]
    public async Task AnEventStrayingFromAnOlderEpochCostsNoReset()
    {
        var tracker = await SubscribedTrackerAsync();
        await tracker.ReceiveAsync(Published("e1", 1), default);
        _source.Pages.Enqueue(EventsPage("e1", 1));

        var updates = await tracker.ReceiveAsync(Published("e0", 7), default);

        Assert.Equal(("e1", (long?)1), (_source.Subscribes[^1].Epoch, _source.Subscribes[^1].Sequence));
        Assert.Empty(updates);
        Assert.Equal(("e1", 1L, 0), (tracker.Epoch, tracker.Sequence, tracker.Resets));
    }

    [Fact]
    public async Task ResubscribingResumesFromTheLastAppliedPositionAndAppliesOnlyNewEvents()
    {
        var tracker = await SubscribedTrackerAsync();
        await tracker.ReceiveAsync(Published("e1", 1), default);
        await tracker.ReceiveAsync(Published("e1", 2), default);
        _source.Pages.Enqueue(EventsPage("e1", 4, Published("e1", 2), Published("e1", 3), Published("e1", 4)));

        var updates = await tracker.SubscribeAsync(resume: true, default);

        Assert.Equal(("e1", (long?)2), (_source.Subscribes[^1].Epoch, _source.Subscribes[^1].Sequence));
        Assert.Equal([3L, 4L], updates.Select(update => update.Event!.Sequence));
    }

    [Fact]
    public async Task EventsThatArriveBeforeTheFirstPageAreAppliedAfterIt()
    {
        var tracker = new FeedTracker(Feed, _source, GapTimeout, _clock, 100);
        await tracker.ReceiveAsync(Published("e1", 2), default);
        await tracker.ReceiveAsync(Published("e1", 3), default);
        _source.Pages.Enqueue(ResetPage("e1", 2, Item(2), Item(1)));

        var updates = await tracker.SubscribeAsync(resume: false, default);

        Assert.True(updates[0].IsReset);
        Assert.Equal([3L], updates.Skip(1).Select(update => update.Event!.Sequence));
        Assert.Equal(["item-3", "item-2", "item-1"], tracker.Items.Select(item => item.Id));
    }

    [Fact]
    public async Task CorrectionsReplaceAndRetractionsRemoveItemsInPlace()
    {
        var tracker = await SubscribedTrackerAsync();
        await tracker.ReceiveAsync(Published("e1", 1), default);
        await tracker.ReceiveAsync(Published("e1", 2), default);
        await tracker.ReceiveAsync(Published("e1", 3), default);

        await tracker.ReceiveAsync(Event("e1", 4, FeedEventKind.Corrected, Item(2, "corrected")), default);
        await tracker.ReceiveAsync(Event("e1", 5, FeedEventKind.Retracted, Item(3)), default);

        Assert.Equal(["corrected", "headline 1"], tracker.Items.Select(item => item.Headline));
    }

    [Fact]
    public async Task TheCountersTellWhichPathsOfTheRuleWereTaken()
    {
        var tracker = await SubscribedTrackerAsync();
        await tracker.ReceiveAsync(Published("e1", 1), default);
        await tracker.ReceiveAsync(Published("e1", 1), default);
        await tracker.ReceiveAsync(Published("e1", 3), default);
        await tracker.ReceiveAsync(Published("e1", 3), default);
        _source.ReadEvents = (epoch, after) => EventsPage(epoch, 3, Published(epoch, 2), Published(epoch, 3));
        _clock.Advance(GapTimeout);
        await tracker.FillGapAsync(default);
        _source.Pages.Enqueue(ResetPage("e2", 0));
        await tracker.ReceiveAsync(Published("e2", 1), default);

        // Duplicates: #1 again, #3 again while held, and #3 in the fetched page (the held one was applied after #2).
        Assert.Equal((3, 1, 1, 1), (tracker.Duplicates, tracker.OutOfOrder, tracker.GapFetches, tracker.Resets));
    }

    private async Task<FeedTracker> SubscribedTrackerAsync()
    {
        var tracker = new FeedTracker(Feed, _source, GapTimeout, _clock, 100);
        _source.Pages.Enqueue(ResetPage("e1", 0));
        await tracker.SubscribeAsync(resume: false, default);
        return tracker;
    }

    private static FeedItem Item(long number, string? headline = null) => new()
    {
        Id = $"item-{number}",
        Feed = Feed,
        Headline = headline ?? $"headline {number}",
        Author = "desk",
        PublishedAt = new DateTime(2026, 11, 28, 14, 49, 0, DateTimeKind.Utc).AddMinutes(number),
    };

    private static FeedEvent Event(string epoch, long sequence, FeedEventKind kind, FeedItem item) =>
        new() { Feed = Feed, Epoch = epoch, Sequence = sequence, Kind = kind, Item = item };

    private static FeedEvent Published(string epoch, long sequence, string? headline = null) =>
        Event(epoch, sequence, FeedEventKind.Published, Item(sequence, headline));

    private static FeedPage ResetPage(string epoch, long sequence, params FeedItem[] items) =>
        new() { Feed = Feed, Epoch = epoch, Sequence = sequence, Reset = true, Items = items };

    private static FeedPage EventsPage(string epoch, long sequence, params FeedEvent[] events) =>
        new() { Feed = Feed, Epoch = epoch, Sequence = sequence, Reset = false, Events = events };

    private sealed class FakeSource : IFeedSource
    {
        public Queue<FeedPage> Pages { get; } = new();

        public List<(string? Epoch, long? Sequence)> Subscribes { get; } = [];

        public List<(string Epoch, long After)> EventReads { get; } = [];

        public Func<string, long, FeedPage> ReadEvents { get; set; } = (_, _) => throw new InvalidOperationException("No events page scripted.");

        public Task<FeedPage> SubscribeAsync(string feed, string? epoch, long? sequence, CancellationToken cancellationToken)
        {
            Subscribes.Add((epoch, sequence));
            return Task.FromResult(Pages.Count > 0 ? Pages.Dequeue() : throw new InvalidOperationException("No Subscribe page scripted."));
        }

        public Task<FeedPage> ReadEventsAsync(string feed, string epoch, long after, CancellationToken cancellationToken)
        {
            EventReads.Add((epoch, after));
            return Task.FromResult(ReadEvents(epoch, after));
        }
    }
}
