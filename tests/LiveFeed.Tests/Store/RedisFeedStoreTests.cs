using LiveFeed.Contracts;
using LiveFeed.Feeds;
using LiveFeed.Feeds.Redis;
using LiveFeed.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace LiveFeed.Tests.Store;

/// <summary>One redis-server and one connection for the Redis store's tests.</summary>
public sealed class RedisStoreFixture : IAsyncLifetime
{
    public RedisServer Server { get; private set; } = null!;

    public IConnectionMultiplexer Connection { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await RedisServer.StartNewAsync();
        Connection = await ConnectionMultiplexer.ConnectAsync(Server.ConnectionString);
    }

    public async Task DisposeAsync()
    {
        await Connection.DisposeAsync();
        await Server.DisposeAsync();
    }
}

public sealed class RedisFeedStoreTests(RedisStoreFixture redis) : FeedStoreContractTests, IClassFixture<RedisStoreFixture>
{
    protected override Task<IFeedStore> CreateStoreAsync(FeedOptions options, TimeProvider time) =>
        Task.FromResult<IFeedStore>(new RedisFeedStore(redis.Connection, new RedisFeedKeys("test"), Options.Create(options), time));

    private RedisFeedStore Store(string prefix = "test") =>
        new(redis.Connection, new RedisFeedKeys(prefix), Options.Create(new FeedOptions()), TimeProvider.System);

    private static FeedItem NewItem(string feed) => new()
    {
        Id = Guid.CreateVersion7().ToString("N"),
        Feed = feed,
        Headline = "Headline",
        Author = "desk",
        PublishedAt = DateTime.UnixEpoch,
    };

    [Fact]
    public async Task ACorrectionAndARetractionRedisRunsAfterTheClientTimedOutAreReportedWithTheirEvents()
    {
        var store = Store();
        var feed = NewsroomRequests.UniqueFeed("late-change");
        var corrected = (await store.PublishAsync(NewItem(feed), null, default)).Item;
        var retracted = (await store.PublishAsync(NewItem(feed), null, default)).Item;

        // Redis holds every write (the change scripts, not the reads before them) for longer than the client's 5 s
        // timeout, then runs them.
        Assert.StartsWith("+OK", await redis.Server.SendAsync("CLIENT PAUSE 7000 WRITE\r\n"), StringComparison.Ordinal);
        var correction = store.CorrectAsync(feed, corrected.Id, new ItemContent("Corrected late", null, ItemPriority.Normal, [], null), DateTime.UnixEpoch.AddDays(1), "editor", null, default);
        var retraction = store.RetractAsync(feed, retracted.Id, DateTime.UnixEpoch.AddDays(1), "editor", null, default);
        var results = await Task.WhenAll(correction, retraction);

        Assert.All(results, result => Assert.Equal(ChangeStatus.Changed, result.Status));
        var page = await store.ReadAsync(feed, new FeedPosition(results[0].Event!.Epoch, 2), 10, default);
        Assert.Equal(
            [(FeedEventKind.Corrected, corrected.Id, "Corrected late"), (FeedEventKind.Retracted, retracted.Id, "Headline")],
            page.Events.OrderBy(e => e.Kind).Select(e => (e.Kind, e.Item.Id, e.Item.Headline)));
        Assert.Equal(page.Events.Select(e => e.Sequence).Order(), results.Select(r => r.Event!.Sequence).Order());
    }

    [Fact]
    public async Task AWriteSettledAsNotHappenedNeverRunsWhenItReachesRedisLate()
    {
        var store = Store();
        var feed = NewsroomRequests.UniqueFeed("fenced");
        var first = await store.PublishAsync(NewItem(feed), null, default);
        var late = NewItem(feed);

        // What the store asks after a publish's answer never came, before that publish reaches Redis.
        var outcome = await store.OutcomeAsync(feed, late.Id, FeedEventKind.Published, "attempt-1");
        await Assert.ThrowsAsync<FeedStoreUnavailableException>(() => store.PublishAsync(late, null, "attempt-1", default));

        Assert.Equal("none", (string?)outcome[0]);
        Assert.Null((await store.GetItemAsync(feed, late.Id, default))?.Item);
        var page = await store.ReadAsync(feed, null, 10, default);
        Assert.Equal(first.Event!.Sequence, page.Sequence);
        Assert.Equal([first.Item.Id], page.Items.Select(i => i.Id));
    }

    [Fact]
    public async Task ALaterAttemptOfAPublishGivenUpAsNotStoredPublishesTheItemOnce()
    {
        var store = Store();
        var feed = NewsroomRequests.UniqueFeed("fenced-retry");
        var item = NewItem(feed);

        // The first attempt (a scheduled item's, under its idempotency key) was settled as not stored; the next attempt,
        // by this or another instance, publishes the item under the same id, and a third is a replay.
        await store.OutcomeAsync(feed, item.Id, FeedEventKind.Published, "attempt-1");
        var second = await store.PublishAsync(item, "scheduled " + item.Id, default);
        var third = await store.PublishAsync(item, "scheduled " + item.Id, default);

        Assert.NotNull(second.Event);
        Assert.Null(third.Event);
        Assert.Equal(item.Id, third.Item.Id);
        var page = await store.ReadAsync(feed, new FeedPosition(second.Event.Epoch, 0), 10, default);
        Assert.Equal([item.Id], page.Events.Select(e => e.Item.Id));
    }

    [Fact]
    public async Task TwoStoresOnOneRedisShareEachFeedsSequenceAndEpoch()
    {
        var first = Store();
        var second = Store();
        var feed = NewsroomRequests.UniqueFeed("shared");

        var a = await first.PublishAsync(NewItem(feed), null, default);
        var b = await second.PublishAsync(NewItem(feed), null, default);
        var retry = await second.PublishAsync(NewItem(feed), "key", default);
        var retryElsewhere = await first.PublishAsync(NewItem(feed), "key", default);

        Assert.Equal(1, a.Event!.Sequence);
        Assert.Equal(2, b.Event!.Sequence);
        Assert.Equal(a.Event.Epoch, b.Event.Epoch);
        Assert.Null(retryElsewhere.Event);
        Assert.Equal(retry.Item.Id, retryElsewhere.Item.Id);
    }

    [Fact]
    public async Task AnotherPrefixIsAnotherDeployment()
    {
        var feed = NewsroomRequests.UniqueFeed("prefix");
        await Store("one").PublishAsync(NewItem(feed), null, default);

        var other = await Store("two").ReadAsync(feed, null, 10, default);

        Assert.Equal(0, other.Sequence);
        Assert.Empty(other.Items);
    }

    [Fact]
    public async Task EveryKeyOfAFeedHasThePrefixAndTheFeedsHashTag()
    {
        var store = Store("tagged");
        var feed = NewsroomRequests.UniqueFeed("keys");
        await store.PublishAsync(NewItem(feed), "key", default);

        var server = redis.Connection.GetServer(redis.Server.ConnectionString);
        var feedKeys = server.Keys(pattern: $"*{feed}*").Select(k => (string)k!).Order().ToList();

        Assert.Equal(
            [$"tagged:{{{feed}}}:events", $"tagged:{{{feed}}}:idempotency:key", $"tagged:{{{feed}}}:items",
                $"tagged:{{{feed}}}:live", $"tagged:{{{feed}}}:meta", $"tagged:{{{feed}}}:order", $"tagged:{{{feed}}}:versions"],
            feedKeys);
    }

    [Fact]
    public async Task ReadingAnUnknownFeedLeavesOnlyAnEpochThatExpiresAndTheFirstEventKeepsIt()
    {
        var store = Store();
        var feed = NewsroomRequests.UniqueFeed("hostile");
        var keys = new RedisFeedKeys("test");
        var database = redis.Connection.GetDatabase();

        var read = await store.ReadAsync(feed, null, 10, default);
        var ttlAfterRead = await database.KeyTimeToLiveAsync(keys.Meta(feed));
        var published = await store.PublishAsync(NewItem(feed), null, default);
        var ttlAfterPublish = await database.KeyTimeToLiveAsync(keys.Meta(feed));

        Assert.NotNull(ttlAfterRead);
        Assert.InRange(ttlAfterRead.Value, TimeSpan.FromMinutes(1), RedisFeedStore.EmptyFeedEpochLifetime);
        Assert.Null(ttlAfterPublish);
        Assert.Equal(read.Epoch, published.Event!.Epoch);
    }

    [Fact]
    public async Task KeyEventsStoredBeforeTheirOwnSetAreFoundOnTheFirstReadInTheFeedsOrderAndKeptFromThenOn()
    {
        var store = Store();
        var feed = NewsroomRequests.UniqueFeed("keyevents-data");
        var keys = new RedisFeedKeys("test");
        var items = new List<FeedItem>();
        for (var i = 1; i <= 5; i++)
        {
            items.Add((await store.PublishAsync(NewItem(feed) with { Headline = $"Item {i}", KeyEvent = i % 2 == 1 }, null, default)).Item);
        }

        // As a build before the set wrote them: the items alone.
        var database = redis.Connection.GetDatabase();
        await database.KeyDeleteAsync(keys.KeyEvents(feed));
        await database.HashDeleteAsync(keys.Meta(feed), "keyevents");

        var first = await store.GetHighlightsAsync(feed, default);
        await store.RetractAsync(feed, items[4].Id, DateTime.UnixEpoch, "editor", null, default);
        var afterRetraction = await store.GetHighlightsAsync(feed, default);

        Assert.Equal([items[4].Id, items[2].Id, items[0].Id], first.KeyEvents.Select(item => item.Id));
        Assert.Equal([items[2].Id, items[0].Id], afterRetraction.KeyEvents.Select(item => item.Id));
        Assert.Equal([items[0].Id, items[2].Id], (await database.SortedSetRangeByRankAsync(keys.KeyEvents(feed))).Select(id => (string?)id));
    }

    [Fact]
    public async Task AFeedStoredBeforeV2ReadsWithTheNewFieldsDefaultedAndTakesChanges()
    {
        var store = Store();
        var feed = NewsroomRequests.UniqueFeed("v1-data");
        var keys = new RedisFeedKeys("test");
        var database = redis.Connection.GetDatabase();
        // Exactly what a v1 build wrote: an item corrected once, with none of the v2 fields.
        const string Published = """{"id":"old1","feed":"FEED","headline":"Old","body":null,"priority":"normal","tags":[],"link":null,"author":"desk","publishedAt":"2026-11-01T10:00:00.000Z","updatedAt":null,"retractedAt":null}""";
        const string Corrected = """{"id":"old1","feed":"FEED","headline":"Old, corrected","body":null,"priority":"normal","tags":[],"link":null,"author":"desk","publishedAt":"2026-11-01T10:00:00.000Z","updatedAt":"2026-11-01T10:05:00.000Z","retractedAt":null}""";
        await database.HashSetAsync(keys.Meta(feed), [new HashEntry("epoch", "v1epoch"), new HashEntry("seq", 2)]);
        await database.ListRightPushAsync(keys.Events(feed), ["1|published|" + Published.Replace("FEED", feed, StringComparison.Ordinal), "2|corrected|" + Corrected.Replace("FEED", feed, StringComparison.Ordinal)]);
        await database.HashSetAsync(keys.Items(feed), "old1", Corrected.Replace("FEED", feed, StringComparison.Ordinal));
        await database.SortedSetAddAsync(keys.ItemOrder(feed), "old1", 1);
        await database.SortedSetAddAsync(keys.LiveItems(feed), "old1", 1);

        var item = (await store.GetItemAsync(feed, "old1", default))?.Item;
        var page = await store.ReadAsync(feed, new FeedPosition("v1epoch", 0), 10, default);
        var corrected = await store.CorrectAsync(feed, "old1", new ItemContent("Now pinned", null, ItemPriority.Normal, [], null, Pinned: true), DateTime.UnixEpoch, "editor", null, default);

        Assert.Equal((false, false, (string?)null), (item!.Pinned, item.KeyEvent, item.UpdatedBy));
        Assert.Equal([("desk", "Old"), ("desk", "Old, corrected")], page.Events.Select(e => (e.By, e.Item.Headline)));
        Assert.Equal((ChangeStatus.Changed, 3L, "editor", true), (corrected.Status, corrected.Event!.Sequence, corrected.Event.By, corrected.Item!.Pinned));
    }

    [Fact]
    public async Task AnIdempotencyKeyLivesInRedisForTheWindow()
    {
        var store = Store();
        var feed = NewsroomRequests.UniqueFeed("idem");
        await store.PublishAsync(NewItem(feed), "retry-me", default);

        var ttl = await redis.Connection.GetDatabase().KeyTimeToLiveAsync(new RedisFeedKeys("test").Idempotency(feed, "retry-me"));

        Assert.NotNull(ttl);
        Assert.InRange(ttl.Value, Idempotency.Window - TimeSpan.FromMinutes(5), Idempotency.Window);
    }

    [Fact]
    public async Task AStoreWhoseRedisCannotBeReachedThrowsUnavailable()
    {
        var options = ConfigurationOptions.Parse("127.0.0.1:1");
        options.AbortOnConnectFail = false;
        options.BacklogPolicy = BacklogPolicy.FailFast;
        options.ConnectTimeout = 1000;
        await using var nowhere = await ConnectionMultiplexer.ConnectAsync(options);
        var store = new RedisFeedStore(nowhere, new RedisFeedKeys("test"), Options.Create(new FeedOptions()), TimeProvider.System);

        await Assert.ThrowsAsync<FeedStoreUnavailableException>(() => store.PublishAsync(NewItem("nowhere"), null, default));
        await Assert.ThrowsAsync<FeedStoreUnavailableException>(() => store.CheckAvailableAsync(default));
        await Assert.ThrowsAsync<FeedStoreUnavailableException>(() => store.ReadAsync("nowhere", null, 10, default));
    }
}
