using LiveFeed.Feeds;
using LiveFeed.Feeds.InMemory;
using Microsoft.Extensions.Options;

namespace LiveFeed.Tests.Store;

public sealed class InMemoryFeedStoreTests : FeedStoreContractTests
{
    protected override Task<IFeedStore> CreateStoreAsync(FeedOptions options, TimeProvider time) =>
        Task.FromResult<IFeedStore>(new InMemoryFeedStore(Options.Create(options), time));

    [Fact]
    public async Task EveryFeedOfOneStoreSharesTheEpochAndANewStoreHasANewOne()
    {
        var first = new InMemoryFeedStore(Options.Create(new FeedOptions()), TimeProvider.System);
        var second = new InMemoryFeedStore(Options.Create(new FeedOptions()), TimeProvider.System);

        var a = await first.ReadAsync("a", null, 1, default);
        var b = await first.ReadAsync("b", null, 1, default);
        var c = await second.ReadAsync("a", null, 1, default);

        Assert.Equal(a.Epoch, b.Epoch);
        Assert.NotEqual(a.Epoch, c.Epoch);
    }
}
