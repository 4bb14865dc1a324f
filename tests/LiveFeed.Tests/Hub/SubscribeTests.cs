using System.Net;
using LiveFeed.Contracts;
using LiveFeed.Tests.Infrastructure;

namespace LiveFeed.Tests.Hub;

/// <summary>
/// What <c>Subscribe</c> answers: a reset page with the latest items, or the events after the reader's
/// position; and that a reader who reconnects with its position misses nothing. The server keeps reset
/// pages of <see cref="SmallFeedServer.SnapshotSize"/> items and <see cref="SmallFeedServer.EventRetention"/> events per feed.
/// </summary>
public sealed class SubscribeTests(SmallFeedServer fixture) : IClassFixture<SmallFeedServer>
{
    private readonly LiveFeedServer _server = fixture.Server;

    [Fact]
    public async Task SubscribingWithoutAPositionAnswersTheLatestItemsNewestFirstUpToTheSnapshotSize()
    {
        var feed = NewsroomRequests.UniqueFeed();
        using var newsroom = _server.CreateNewsroomClient();
        var posted = new List<FeedItem>();
        for (var i = 1; i <= 7; i++)
        {
            posted.Add(await newsroom.PublishAsync(feed, $"item {i}"));
        }

        Assert.Equal(HttpStatusCode.NoContent, await newsroom.RetractAsync(feed, posted[5].Id));
        await using var reader = await _server.ConnectReaderAsync();

        var page = await reader.SubscribeAsync(feed);

        Assert.Equal(feed, page.Feed);
        Assert.True(page.Reset);
        Assert.Equal(8, page.Sequence);
        Assert.Empty(page.Events);
        // The latest non-retracted items, newest first, SnapshotSize of them: 7, 5, 4, 3, 2.
        Assert.Equal(SmallFeedServer.SnapshotSize, page.Items.Count);
        Assert.Equal(new[] { 6, 4, 3, 2, 1 }.Select(i => posted[i].Id), page.Items.Select(item => item.Id));
        Assert.Equal("item 7", page.Items[0].Headline);
    }

    [Fact]
    public async Task SubscribingToAnEmptyFeedAnswersSequenceZeroAndTheEpochItsFirstEventCarries()
    {
        var feed = NewsroomRequests.UniqueFeed();
        await using var reader = await _server.ConnectReaderAsync(HubProtocolKind.MessagePack);

        var page = await reader.SubscribeAsync(feed);

        Assert.True(page.Reset);
        Assert.Equal(0, page.Sequence);
        Assert.Empty(page.Items);
        Assert.Empty(page.Events);
        Assert.False(string.IsNullOrEmpty(page.Epoch));

        using var newsroom = _server.CreateNewsroomClient();
        var posted = await newsroom.PublishAsync(feed, "first");
        var first = await reader.NextEventAsync();
        Assert.Equal((page.Epoch, 1L, posted.Id), (first.Epoch, first.Sequence, first.Item.Id));

        // The position (epoch, 0) taken from the empty feed is a valid place to resume from.
        await using var late = await _server.ConnectReaderAsync();
        var resumed = await late.SubscribeAsync(feed, page.Epoch, 0);
        Assert.False(resumed.Reset);
        Assert.Equal([posted.Id], resumed.Events.Select(e => e.Item.Id));
    }

    [Theory]
    [InlineData(HubProtocolKind.Json)]
    [InlineData(HubProtocolKind.MessagePack)]
    public async Task AReaderThatReconnectsWithItsLastPositionGetsExactlyTheEventsItMissedThenLiveOnes(HubProtocolKind protocol)
    {
        var feed = NewsroomRequests.UniqueFeed();
        using var newsroom = _server.CreateNewsroomClient();
        var reader = await _server.ConnectReaderAsync(protocol);
        await reader.SubscribeAsync(feed);
        await newsroom.PublishAsync(feed, "seen 1");
        await newsroom.PublishAsync(feed, "seen 2");
        var lastApplied = (await reader.NextEventsAsync(2))[^1];
        await reader.DisposeAsync();

        var missed = new List<FeedItem>();
        for (var i = 1; i <= 3; i++)
        {
            missed.Add(await newsroom.PublishAsync(feed, $"missed {i}"));
        }

        await using var reconnected = await _server.ConnectReaderAsync(protocol);
        var page = await reconnected.SubscribeAsync(feed, lastApplied.Epoch, lastApplied.Sequence);

        Assert.False(page.Reset);
        Assert.Equal(5, page.Sequence);
        Assert.Empty(page.Items);
        Assert.Equal([3L, 4L, 5L], page.Events.Select(e => e.Sequence));
        Assert.Equal(missed.Select(item => item.Id), page.Events.Select(e => e.Item.Id));
        Assert.All(page.Events, e => Assert.Equal((lastApplied.Epoch, FeedEventKind.Published), (e.Epoch, e.Kind)));

        var live = await newsroom.PublishAsync(feed, "live");
        // Events already in the page may be pushed again; the contract has readers drop them.
        FeedEvent next;
        do
        {
            next = await reconnected.NextEventAsync();
        }
        while (next.Sequence <= page.Sequence);

        Assert.Equal((6L, live.Id), (next.Sequence, next.Item.Id));
    }

    [Fact]
    public async Task APositionAtTheHeadOfTheFeedAnswersNoEventsAndNoReset()
    {
        var feed = NewsroomRequests.UniqueFeed();
        using var newsroom = _server.CreateNewsroomClient();
        await newsroom.PublishAsync(feed, "one");
        await newsroom.PublishAsync(feed, "two");
        await using var reader = await _server.ConnectReaderAsync();
        var epoch = (await reader.SubscribeAsync(feed)).Epoch;

        var page = await reader.SubscribeAsync(feed, epoch, 2);

        Assert.False(page.Reset);
        Assert.Equal(2, page.Sequence);
        Assert.Empty(page.Events);
        Assert.Empty(page.Items);
    }

    [Fact]
    public async Task TheOldestPositionWhoseLaterEventsAreAllKeptStillResumes()
    {
        var (feed, epoch, posted) = await FeedWithTwelveEventsAsync();
        await using var reader = await _server.ConnectReaderAsync();

        // Events 8..12 are kept (EventRetention 5): a reader at 7 needs exactly those.
        var page = await reader.SubscribeAsync(feed, epoch, 7);

        Assert.False(page.Reset);
        Assert.Equal(Enumerable.Range(8, 5).Select(s => (long)s), page.Events.Select(e => e.Sequence));
        Assert.Equal(posted.Skip(7).Select(item => item.Id), page.Events.Select(e => e.Item.Id));
    }

    [Theory]
    [InlineData("from another epoch")]
    [InlineData("older than the kept events")]
    [InlineData("ahead of the feed")]
    public async Task APositionThatCannotBeResumedGetsAResetPageWithTheLatestItems(string position)
    {
        var (feed, epoch, posted) = await FeedWithTwelveEventsAsync();
        await using var reader = await _server.ConnectReaderAsync(HubProtocolKind.MessagePack);
        var (askedEpoch, askedSequence) = position switch
        {
            "from another epoch" => ("0123456789abcdef", 12L),
            "older than the kept events" => (epoch, 6L),
            "ahead of the feed" => (epoch, 13L),
            _ => throw new ArgumentOutOfRangeException(nameof(position)),
        };

        var page = await reader.SubscribeAsync(feed, askedEpoch, askedSequence);

        Assert.True(page.Reset);
        Assert.Equal(epoch, page.Epoch);
        Assert.Equal(12, page.Sequence);
        Assert.Empty(page.Events);
        Assert.Equal(posted.AsEnumerable().Reverse().Take(SmallFeedServer.SnapshotSize).Select(item => item.Id), page.Items.Select(item => item.Id));
    }

    private async Task<(string Feed, string Epoch, List<FeedItem> Posted)> FeedWithTwelveEventsAsync()
    {
        var feed = NewsroomRequests.UniqueFeed();
        using var newsroom = _server.CreateNewsroomClient();
        var posted = new List<FeedItem>();
        for (var i = 1; i <= 12; i++)
        {
            posted.Add(await newsroom.PublishAsync(feed, $"item {i}"));
        }

        await using var reader = await _server.ConnectReaderAsync();
        var page = await reader.SubscribeAsync(feed);
        Assert.Equal(12, page.Sequence);
        return (feed, page.Epoch, posted);
    }
}
