using System.Net;
using LiveFeed.Contracts;
using LiveFeed.Tests.Infrastructure;
using Microsoft.AspNetCore.Http.Connections;

namespace LiveFeed.Tests.Hub;

/// <summary>What readers receive, on every protocol and transport, when the newsroom publishes, corrects and retracts.</summary>
public sealed class DeliveryTests(ClockedServer fixture) : IClassFixture<ClockedServer>
{
    private readonly LiveFeedServer _server = fixture.Server;

    // MessagePack has no Server-Sent Events (a binary protocol over a text transport): five combinations.
    public static TheoryData<HubProtocolKind, HttpTransportType> ProtocolsAndTransports => new()
    {
        { HubProtocolKind.Json, HttpTransportType.WebSockets },
        { HubProtocolKind.Json, HttpTransportType.ServerSentEvents },
        { HubProtocolKind.Json, HttpTransportType.LongPolling },
        { HubProtocolKind.MessagePack, HttpTransportType.WebSockets },
        { HubProtocolKind.MessagePack, HttpTransportType.LongPolling },
    };

    [Theory]
    [MemberData(nameof(ProtocolsAndTransports))]
    public async Task AReaderReceivesAPublishedItemWithEveryFieldAsPostedAndTheServersTime(HubProtocolKind protocol, HttpTransportType transport)
    {
        var feed = NewsroomRequests.UniqueFeed();
        await using var reader = await _server.ConnectReaderAsync(protocol, transport);
        var page = await reader.SubscribeAsync(feed);
        using var newsroom = _server.CreateNewsroomClient();
        var publishedAt = fixture.Advance(TimeSpan.FromMinutes(3) + TimeSpan.FromTicks(7771));

        var posted = await newsroom.PublishAsync(feed, new
        {
            headline = $"Flash over {transport}",
            body = "First line.\nSecond line: «quotes» & <b>not html</b>.",
            priority = "urgent",
            tags = new[] { "ukraine", "air-defence" },
            link = "https://example.com/news/1?x=1&y=2",
        });
        var received = await reader.NextEventAsync();

        Assert.Equal(feed, received.Feed);
        Assert.Equal(page.Epoch, received.Epoch);
        Assert.Equal(1, received.Sequence);
        Assert.Equal(FeedEventKind.Published, received.Kind);
        var item = received.Item;
        Assert.Equal(posted.Id, item.Id);
        Assert.Equal(feed, item.Feed);
        Assert.Equal($"Flash over {transport}", item.Headline);
        Assert.Equal("First line.\nSecond line: «quotes» & <b>not html</b>.", item.Body);
        Assert.Equal(ItemPriority.Urgent, item.Priority);
        Assert.Equal(["ukraine", "air-defence"], item.Tags);
        Assert.Equal("https://example.com/news/1?x=1&y=2", item.Link);
        Assert.Equal(LiveFeedServer.KeyName, item.Author);
        Assert.Equal(publishedAt, item.PublishedAt);
        Assert.Equal(DateTimeKind.Utc, item.PublishedAt.Kind);
        Assert.Null(item.UpdatedAt);
        Assert.Null(item.RetractedAt);
    }

    [Theory]
    [InlineData(HubProtocolKind.Json)]
    [InlineData(HubProtocolKind.MessagePack)]
    public async Task CorrectionsAndRetractionsReachReadersWithTheItemAsItStandsAfter(HubProtocolKind protocol)
    {
        var feed = NewsroomRequests.UniqueFeed();
        await using var reader = await _server.ConnectReaderAsync(protocol);
        await reader.SubscribeAsync(feed);
        using var newsroom = _server.CreateNewsroomClient();
        using var anonymous = _server.CreateAnonymousClient();
        var publishedAt = fixture.Advance(TimeSpan.FromSeconds(10));
        var posted = await newsroom.PublishAsync(feed, new { headline = "Two helicopters down", tags = new[] { "ukraine" } });
        var published = await reader.NextEventAsync();

        var updatedAt = fixture.Advance(TimeSpan.FromMinutes(16) + TimeSpan.FromTicks(9999));
        await newsroom.CorrectAsync(feed, posted.Id, new
        {
            headline = "Three helicopters down",
            body = "Corrected figure.",
            priority = "flash",
            tags = new[] { "ukraine", "correction" },
            link = "https://example.com/c",
        });
        var corrected = await reader.NextEventAsync();

        Assert.Equal(FeedEventKind.Corrected, corrected.Kind);
        Assert.Equal(published.Sequence + 1, corrected.Sequence);
        Assert.Equal(posted.Id, corrected.Item.Id);
        Assert.Equal("Three helicopters down", corrected.Item.Headline);
        Assert.Equal("Corrected figure.", corrected.Item.Body);
        Assert.Equal(ItemPriority.Flash, corrected.Item.Priority);
        Assert.Equal(["ukraine", "correction"], corrected.Item.Tags);
        Assert.Equal("https://example.com/c", corrected.Item.Link);
        Assert.Equal(publishedAt, corrected.Item.PublishedAt);
        Assert.Equal(updatedAt, corrected.Item.UpdatedAt);
        Assert.Null(corrected.Item.RetractedAt);
        AssertSameItem(corrected.Item, await anonymous.GetItemAsync(feed, posted.Id));

        var retractedAt = fixture.Advance(TimeSpan.FromHours(1));
        Assert.Equal(HttpStatusCode.NoContent, await newsroom.RetractAsync(feed, posted.Id));
        var retracted = await reader.NextEventAsync();

        Assert.Equal(FeedEventKind.Retracted, retracted.Kind);
        Assert.Equal(corrected.Sequence + 1, retracted.Sequence);
        Assert.Equal("Three helicopters down", retracted.Item.Headline);
        Assert.Equal(publishedAt, retracted.Item.PublishedAt);
        Assert.Equal(updatedAt, retracted.Item.UpdatedAt);
        Assert.Equal(retractedAt, retracted.Item.RetractedAt);
        AssertSameItem(retracted.Item, await anonymous.GetItemAsync(feed, posted.Id));

        // A second retraction answers 204 but changes nothing: the next event readers see is the next publish.
        Assert.Equal(HttpStatusCode.NoContent, await newsroom.RetractAsync(feed, posted.Id));
        var next = await newsroom.PublishAsync(feed, "After the retraction");
        var afterwards = await reader.NextEventAsync();

        Assert.Equal(FeedEventKind.Published, afterwards.Kind);
        Assert.Equal(next.Id, afterwards.Item.Id);
        Assert.Equal(retracted.Sequence + 1, afterwards.Sequence);
        Assert.Equal(retractedAt, (await anonymous.GetItemAsync(feed, posted.Id)).RetractedAt);
    }

    [Fact]
    public async Task AReaderOfTwoFeedsGetsTheEventsOfThoseFeedsOnly()
    {
        var (first, second, other) = (NewsroomRequests.UniqueFeed("a"), NewsroomRequests.UniqueFeed("b"), NewsroomRequests.UniqueFeed("c"));
        await using var reader = await _server.ConnectReaderAsync();
        await reader.SubscribeAsync(first);
        await reader.SubscribeAsync(second);
        using var newsroom = _server.CreateNewsroomClient();

        var first1 = await newsroom.PublishAsync(first, "first 1");
        await newsroom.PublishAsync(other, "other 1");
        var second1 = await newsroom.PublishAsync(second, "second 1");
        await newsroom.PublishAsync(other, "other 2");
        var first2 = await newsroom.PublishAsync(first, "first 2");
        var received = await reader.NextEventsAsync(3);

        // The broadcast keeps the publishing order, so an event of the other feed would show up in between.
        Assert.Equal([(first, 1L, first1.Id), (second, 1L, second1.Id), (first, 2L, first2.Id)],
            received.Select(e => (e.Feed, e.Sequence, e.Item.Id)));
        await newsroom.PublishAsync(other, "other 3");
        var second2 = await newsroom.PublishAsync(second, "second 2");
        var last = await reader.NextEventAsync();
        Assert.Equal((second, 2L, second2.Id), (last.Feed, last.Sequence, last.Item.Id));
    }

    [Fact]
    public async Task UnsubscribeStopsTheEventsOfThatFeedWhileOtherFeedsKeepArriving()
    {
        var (dropped, kept) = (NewsroomRequests.UniqueFeed("dropped"), NewsroomRequests.UniqueFeed("kept"));
        await using var reader = await _server.ConnectReaderAsync();
        await reader.SubscribeAsync(dropped);
        await reader.SubscribeAsync(kept);
        using var newsroom = _server.CreateNewsroomClient();
        await newsroom.PublishAsync(dropped, "before");
        Assert.Equal(dropped, (await reader.NextEventAsync()).Feed);

        await reader.UnsubscribeAsync(dropped);
        await newsroom.PublishAsync(dropped, "after 1");
        await newsroom.PublishAsync(dropped, "after 2");
        var keptItem = await newsroom.PublishAsync(kept, "still here");
        var next = await reader.NextEventAsync();

        // One ordered broadcast: had the unsubscribed feed's events been sent, they would have come first.
        Assert.Equal(kept, next.Feed);
        Assert.Equal(keptItem.Id, next.Item.Id);
        var keptItem2 = await newsroom.PublishAsync(kept, "still here 2");
        Assert.Equal(keptItem2.Id, (await reader.NextEventAsync()).Item.Id);
    }

    private static void AssertSameItem(FeedItem expected, FeedItem actual)
    {
        // Records compare lists by reference: compare the tags apart.
        Assert.Equal(expected.Tags, actual.Tags);
        Assert.Equal(expected, actual with { Tags = expected.Tags });
    }
}
