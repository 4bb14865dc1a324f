using LiveFeed.Contracts;
using LiveFeed.Feeds;
using LiveFeed.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace LiveFeed.Tests.Scaleout;

/// <summary>The contract's client rule, as <see cref="FeedFollower"/> applies it, on paths the multi-instance tests may not take.</summary>
public sealed class ClientRuleTests
{
    [Fact]
    public async Task AReaderHoldsAnEventAfterAGapThenFillsTheGapFromTheEventsApi()
    {
        using var server = new LiveFeedServer();
        var feed = NewsroomRequests.UniqueFeed("gap");
        await using var follower = new FeedFollower(feed, [server.BaseAddress]);
        await follower.StartAsync();
        using var newsroom = server.CreateNewsroomClient();

        // Stored but never broadcast: what a broadcast lost while Redis blinked looks like to a reader.
        var store = server.Services.GetRequiredService<IFeedStore>();
        var lost = await store.PublishAsync(
            new FeedItem { Id = Guid.CreateVersion7().ToString("N"), Feed = feed, Headline = "Lost", Author = "desk", PublishedAt = DateTime.UtcNow },
            null,
            default);
        var broadcast = await newsroom.PublishAsync(feed, "Broadcast");

        await follower.WaitForAsync(2, TestReader.Timeout);
        Assert.Equal([(1L, lost.Item.Id), (2L, broadcast.Id)], follower.Applied.Select(e => (e.Sequence, e.Item.Id)));
        Assert.Equal(1, follower.OutOfOrder);
        Assert.Equal(1, follower.GapFetches);
        Assert.Equal(0, follower.Resets);
    }
}
