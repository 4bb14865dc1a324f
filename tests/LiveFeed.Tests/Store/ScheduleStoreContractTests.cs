using System.Text.Json;
using LiveFeed.Contracts;
using LiveFeed.Feeds.InMemory;
using LiveFeed.Feeds.Redis;
using LiveFeed.Feeds.Schedule;

namespace LiveFeed.Tests.Store;

/// <summary>
/// The guarantees of <see cref="IScheduleStore"/>, proven once for every store: each store's class says only how to
/// make stores that share one schedule (the "instances" of a deployment).
/// </summary>
public abstract class ScheduleStoreContractTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(10);

    private readonly DateTime _now = new(2026, 12, 4, 9, 0, 0, DateTimeKind.Utc);

    /// <summary><paramref name="instances"/> stores sharing one new, empty schedule.</summary>
    protected abstract IScheduleStore[] CreateStores(int instances);

    private IScheduleStore CreateStore() => CreateStores(1)[0];

    private static string NewFeed() => "schedule-" + Guid.NewGuid().ToString("N")[..16];

    private ScheduledItem NewItem(string feed, TimeSpan ahead, string headline = "Embargoed") => new()
    {
        Id = Guid.CreateVersion7().ToString("N"),
        Feed = feed,
        PublishAt = _now + ahead,
        Headline = headline,
        Body = "Body",
        Priority = ItemPriority.Urgent,
        Tags = ["a"],
        Link = "https://example.com/a",
        Pinned = true,
        KeyEvent = true,
        Author = "desk",
    };

    /// <summary>Items compared as the API would write them (a record compares its tags list by reference).</summary>
    private static void AssertSame(IEnumerable<ScheduledItem> expected, IEnumerable<ScheduledItem> actual) =>
        Assert.Equal(expected.Select(item => JsonSerializer.Serialize(item)), actual.Select(item => JsonSerializer.Serialize(item)));

    [Fact]
    public async Task AFeedsWaitingItemsAreListedSoonestFirstAndNoOtherFeedsItems()
    {
        var store = CreateStore();
        var feed = NewFeed();
        var later = NewItem(feed, TimeSpan.FromMinutes(10), "Later");
        var sooner = NewItem(feed, TimeSpan.FromMinutes(1), "Sooner");
        await store.AddAsync(later, null, _now, default);
        await store.AddAsync(sooner, null, _now, default);
        await store.AddAsync(NewItem(NewFeed(), TimeSpan.FromMinutes(5)), null, _now, default);

        var listed = await store.ListAsync(feed, default);

        AssertSame([sooner, later], listed);
        Assert.Empty(await store.ListAsync(NewFeed(), default));
    }

    [Fact]
    public async Task AClaimTakesOnlyDueItemsSoonestFirstAndSaysWhenTheNextFallsDue()
    {
        var store = CreateStore();
        var feed = NewFeed();
        var first = NewItem(feed, TimeSpan.FromSeconds(5));
        var second = NewItem(feed, TimeSpan.FromSeconds(6));
        var third = NewItem(feed, TimeSpan.FromSeconds(60));
        foreach (var item in new[] { third, second, first })
        {
            await store.AddAsync(item, null, _now, default);
        }

        var early = await store.ClaimDueAsync(_now + TimeSpan.FromSeconds(4), Lease, 10, default);
        var due = await store.ClaimDueAsync(_now + TimeSpan.FromSeconds(7), Lease, 10, default);

        Assert.Empty(early.Items);
        Assert.Equal(first.PublishAt, early.NextDue);
        Assert.Equal([first.Id, second.Id], due.Items.Select(item => item.Id));
        AssertSame([first], due.Items.Take(1));
        Assert.Equal(_now + TimeSpan.FromSeconds(17), due.NextDue);
        AssertSame([third], await store.ListAsync(feed, default));
    }

    [Fact]
    public async Task OfEightInstancesClaimingAtOnceEachDueItemGoesToExactlyOne()
    {
        var stores = CreateStores(8);
        var feed = NewFeed();
        var items = Enumerable.Range(0, 60).Select(i => NewItem(feed, TimeSpan.FromSeconds(5 + (i % 7)))).ToList();
        foreach (var item in items)
        {
            await stores[0].AddAsync(item, null, _now, default);
        }

        var claims = await Task.WhenAll(stores.SelectMany(store => Enumerable.Range(0, 4).Select(_ =>
            Task.Run(() => store.ClaimDueAsync(_now + TimeSpan.FromMinutes(1), Lease, 5, default)))));
        var rest = await stores[0].ClaimDueAsync(_now + TimeSpan.FromMinutes(1), Lease, 100, default);

        var claimed = claims.SelectMany(claim => claim.Items).Concat(rest.Items).Select(item => item.Id).ToList();
        Assert.Equal(items.Select(item => item.Id).Order(), claimed.Order());
    }

    [Fact]
    public async Task AnItemWhoseClaimerNeverCompletedIsClaimedAgainOnlyOnceItsLeaseRanOut()
    {
        var stores = CreateStores(2);
        var feed = NewFeed();
        var item = NewItem(feed, TimeSpan.FromSeconds(5));
        await stores[0].AddAsync(item, null, _now, default);
        var due = _now + TimeSpan.FromSeconds(5);

        var first = await stores[0].ClaimDueAsync(due, Lease, 10, default);
        var duringLease = await stores[1].ClaimDueAsync(due + Lease - TimeSpan.FromMilliseconds(1), Lease, 10, default);
        var afterLease = await stores[1].ClaimDueAsync(due + Lease, Lease, 10, default);
        await stores[1].CompleteAsync(item, default);
        await stores[0].CompleteAsync(item, default);
        var afterCompletion = await stores[0].ClaimDueAsync(due + Lease + Lease, Lease, 10, default);

        AssertSame([item], first.Items);
        Assert.Empty(duringLease.Items);
        Assert.Equal(due + Lease, duringLease.NextDue);
        AssertSame([item], afterLease.Items);
        Assert.Empty(afterCompletion.Items);
        Assert.Null(afterCompletion.NextDue);
    }

    [Fact]
    public async Task ACancelledItemIsNeverClaimedAndAClaimedItemCanNoLongerBeCancelledOrReplaced()
    {
        var store = CreateStore();
        var feed = NewFeed();
        var cancelled = NewItem(feed, TimeSpan.FromSeconds(5));
        var claimed = NewItem(feed, TimeSpan.FromSeconds(5));
        await store.AddAsync(cancelled, null, _now, default);
        await store.AddAsync(claimed, null, _now, default);

        Assert.True(await store.CancelAsync(feed, cancelled.Id, default));
        var claim = await store.ClaimDueAsync(_now + TimeSpan.FromSeconds(5), Lease, 10, default);
        var later = await store.ClaimDueAsync(_now + TimeSpan.FromHours(1), Lease, 10, default);

        AssertSame([claimed], claim.Items);
        AssertSame([claimed], later.Items);
        Assert.False(await store.CancelAsync(feed, cancelled.Id, default));
        Assert.False(await store.CancelAsync(feed, claimed.Id, default));
        Assert.Null(await store.ReplaceAsync(claimed with { Headline = "Too late" }, default));
        Assert.Empty(await store.ListAsync(feed, default));
    }

    [Fact]
    public async Task CancelsRacingClaimsOnOtherInstancesLeaveEveryItemEitherCancelledOrClaimedNeverBoth()
    {
        var stores = CreateStores(2);
        var feed = NewFeed();
        var items = Enumerable.Range(0, 100).Select(_ => NewItem(feed, TimeSpan.FromSeconds(5))).ToList();
        foreach (var item in items)
        {
            await stores[0].AddAsync(item, null, _now, default);
        }

        var cancels = items.Select(item => Task.Run(() => stores[0].CancelAsync(feed, item.Id, default))).ToList();
        var claims = Enumerable.Range(0, 20).Select(_ => Task.Run(() => stores[1].ClaimDueAsync(_now + TimeSpan.FromSeconds(5), Lease, 3, default))).ToList();
        await Task.WhenAll(Task.WhenAll(cancels), Task.WhenAll(claims));
        var rest = await stores[1].ClaimDueAsync(_now + TimeSpan.FromSeconds(5), Lease, 100, default);

        var cancelled = items.Where((_, i) => cancels[i].Result).Select(item => item.Id).ToHashSet();
        var claimed = claims.SelectMany(claim => claim.Result.Items).Concat(rest.Items).Select(item => item.Id).ToList();
        Assert.Empty(cancelled.Intersect(claimed));
        Assert.Equal(items.Count, cancelled.Count + claimed.Count);
        Assert.Equal(claimed.Count, claimed.Distinct().Count());
    }

    [Fact]
    public async Task AReplacedItemKeepsItsIdAndAuthorAndFallsDueAtItsNewTime()
    {
        var store = CreateStore();
        var feed = NewFeed();
        var item = NewItem(feed, TimeSpan.FromSeconds(5));
        await store.AddAsync(item, null, _now, default);
        var replacement = item with { Headline = "Moved", PublishAt = _now + TimeSpan.FromMinutes(2), Pinned = false, Author = "editor" };

        var replaced = await store.ReplaceAsync(replacement, default);
        Assert.Null(await store.ReplaceAsync(replacement with { Id = Guid.CreateVersion7().ToString("N") }, default));
        Assert.Null(await store.ReplaceAsync(replacement with { Feed = NewFeed() }, default));
        var atOldTime = await store.ClaimDueAsync(_now + TimeSpan.FromSeconds(5), Lease, 10, default);
        var atNewTime = await store.ClaimDueAsync(_now + TimeSpan.FromMinutes(2), Lease, 10, default);

        AssertSame([replacement with { Author = "desk" }], [replaced!]);
        Assert.Empty(atOldTime.Items);
        AssertSame([replacement with { Author = "desk" }], atNewTime.Items);
    }

    [Fact]
    public async Task AnItemIsCancelledOnlyThroughItsOwnFeed()
    {
        var store = CreateStore();
        var feed = NewFeed();
        var item = NewItem(feed, TimeSpan.FromSeconds(5));
        await store.AddAsync(item, null, _now, default);

        Assert.False(await store.CancelAsync(NewFeed(), item.Id, default));
        Assert.False(await store.CancelAsync(feed, "unknown", default));
        AssertSame([item], await store.ListAsync(feed, default));
    }

    [Fact]
    public async Task ARetryWithTheSameIdempotencyKeyAnswersTheFirstItemAndSchedulesNothingNew()
    {
        var store = CreateStore();
        var feed = NewFeed();
        var first = NewItem(feed, TimeSpan.FromSeconds(5), "First");
        var retry = NewItem(feed, TimeSpan.FromSeconds(9), "Retry");
        var otherFeed = NewItem(NewFeed(), TimeSpan.FromSeconds(5));

        var added = await store.AddAsync(first, "key-1", _now, default);
        var replayed = await store.AddAsync(retry, "key-1", _now + TimeSpan.FromHours(1), default);
        var elsewhere = await store.AddAsync(otherFeed, "key-1", _now, default);
        var afterWindow = await store.AddAsync(retry, "key-1", _now + Feeds.Idempotency.Window + TimeSpan.FromSeconds(1), default);

        Assert.True(added.Added);
        Assert.False(replayed.Added);
        AssertSame([first], [replayed.Item]);
        Assert.True(elsewhere.Added);
        Assert.True(afterWindow.Added);
        AssertSame([first, retry], await store.ListAsync(feed, default));
    }
}

public sealed class InMemoryScheduleStoreTests : ScheduleStoreContractTests
{
    protected override IScheduleStore[] CreateStores(int instances)
    {
        var store = new InMemoryScheduleStore();
        return Enumerable.Repeat<IScheduleStore>(store, instances).ToArray();
    }
}

public sealed class RedisScheduleStoreTests(RedisStoreFixture redis) : ScheduleStoreContractTests, IClassFixture<RedisStoreFixture>
{
    protected override IScheduleStore[] CreateStores(int instances)
    {
        // A prefix of its own: the schedule is one for every feed, and these tests share one Redis.
        var keys = new RedisFeedKeys("schedule-test-" + Guid.NewGuid().ToString("N")[..12]);
        return Enumerable.Range(0, instances).Select(i => (IScheduleStore)new RedisScheduleStore(redis.Connection, keys)).ToArray();
    }
}
