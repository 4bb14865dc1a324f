using LiveFeed.Contracts;
using LiveFeed.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR;

namespace LiveFeed.Tests.Hub;

/// <summary>
/// The hub's errors: bad feed names and more than 20 feeds on one connection are refused with a message a
/// person can act on, and the connection stays usable afterwards.
/// </summary>
public sealed class SubscriptionRuleTests(SharedServer fixture) : IClassFixture<SharedServer>
{
    private const string NameRule = "1 to 64 lowercase letters, digits and hyphens";

    private readonly LiveFeedServer _server = fixture.Server;

    public static TheoryData<string?, HubProtocolKind> BadNames()
    {
        var data = new TheoryData<string?, HubProtocolKind>();
        foreach (var protocol in new[] { HubProtocolKind.Json, HubProtocolKind.MessagePack })
        {
            foreach (var name in new[] { "Bad Name", "", "-x", "x-", "main_2", new string('a', 65), "main\n", null })
            {
                data.Add(name, protocol);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(BadNames))]
    public async Task ABadFeedNameIsRefusedWithTheRuleAndTheConnectionStaysUsable(string? name, HubProtocolKind protocol)
    {
        await using var reader = await _server.ConnectReaderAsync(protocol);

        var refused = await Assert.ThrowsAsync<HubException>(() => reader.SubscribeAsync(name!));

        Assert.Contains(NameRule, refused.Message, StringComparison.Ordinal);
        await AssertUsableAsync(reader, NewsroomRequests.UniqueFeed());
    }

    public static TheoryData<string, object?[], string, HubProtocolKind> MisfitArguments()
    {
        var data = new TheoryData<string, object?[], string, HubProtocolKind>();
        foreach (var protocol in new[] { HubProtocolKind.Json, HubProtocolKind.MessagePack })
        {
            const string Subscribe = "Subscribe(feed: string, epoch: string | null, sequence: number | null)";
            data.Add("Subscribe", [42, true, "x"], Subscribe, protocol);
            data.Add("Subscribe", ["main", null, "seven"], Subscribe, protocol);
            data.Add("subscribe", ["main"], Subscribe, protocol);
            data.Add("Unsubscribe", [], "Unsubscribe(feed: string)", protocol);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(MisfitArguments))]
    public async Task ArgumentsThatDoNotFitAreRefusedNamingTheMethodsParametersAndTheConnectionStaysUsable(
        string method, object?[] arguments, string signature, HubProtocolKind protocol)
    {
        await using var reader = await _server.ConnectReaderAsync(protocol);

        var refused = await Assert.ThrowsAsync<HubException>(() => reader.Connection.InvokeCoreAsync(method, typeof(FeedPage), arguments));

        Assert.Contains($"The arguments do not fit {signature}.", refused.Message, StringComparison.Ordinal);
        await AssertUsableAsync(reader, NewsroomRequests.UniqueFeed());
    }

    [Fact]
    public async Task ANameOfSixtyFourCharactersIsAccepted()
    {
        await using var reader = await _server.ConnectReaderAsync();

        await AssertUsableAsync(reader, NewsroomRequests.UniqueFeed().PadRight(64, '0'));
    }

    [Fact]
    public async Task TheTwentyFirstFeedIsRefusedAndTheConnectionStaysUsable()
    {
        await using var reader = await _server.ConnectReaderAsync();
        var feeds = Enumerable.Range(0, 21).Select(i => NewsroomRequests.UniqueFeed($"f{i}")).ToList();
        foreach (var feed in feeds.Take(20))
        {
            await reader.SubscribeAsync(feed);
        }

        var refused = await Assert.ThrowsAsync<HubException>(() => reader.SubscribeAsync(feeds[20]));

        Assert.Contains("at most 20 feeds", refused.Message, StringComparison.Ordinal);
        // The refused feed was not joined: its event is not delivered, the next one of a followed feed is.
        using var newsroom = _server.CreateNewsroomClient();
        await newsroom.PublishAsync(feeds[20], "not followed");
        await AssertUsableAsync(reader, feeds[0]);

        // Making room lets the twenty-first in.
        await reader.UnsubscribeAsync(feeds[1]);
        await AssertUsableAsync(reader, feeds[20], alreadyPublished: 1);
    }

    [Fact]
    public async Task SubscribingAgainToAFollowedFeedDoesNotCountTwiceNorDeliverTwice()
    {
        await using var reader = await _server.ConnectReaderAsync();
        var again = NewsroomRequests.UniqueFeed("again");
        for (var i = 0; i < 3; i++)
        {
            await reader.SubscribeAsync(again);
        }

        var others = Enumerable.Range(0, 20).Select(i => NewsroomRequests.UniqueFeed($"f{i}")).ToList();
        foreach (var feed in others.Take(19))
        {
            await reader.SubscribeAsync(feed);
        }

        await Assert.ThrowsAsync<HubException>(() => reader.SubscribeAsync(others[19]));
        using var newsroom = _server.CreateNewsroomClient();
        await newsroom.PublishAsync(again, "one");
        await newsroom.PublishAsync(again, "two");
        var received = await reader.NextEventsAsync(2);
        Assert.Equal([(again, 1L), (again, 2L)], received.Select(e => (e.Feed, e.Sequence)));
    }

    // Subscribes to a valid feed and proves that its next event arrives, and that it is the next thing pushed.
    private async Task AssertUsableAsync(TestReader reader, string feed, int alreadyPublished = 0)
    {
        var page = await reader.SubscribeAsync(feed);
        Assert.Equal(feed, page.Feed);
        Assert.Equal(alreadyPublished, page.Sequence);

        using var newsroom = _server.CreateNewsroomClient();
        var posted = await newsroom.PublishAsync(feed, "still listening");
        var received = await reader.NextEventAsync();
        Assert.Equal((feed, alreadyPublished + 1L, posted.Id), (received.Feed, received.Sequence, received.Item.Id));
    }
}
