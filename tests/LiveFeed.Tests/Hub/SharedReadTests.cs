using System.Net.Http.Json;
using LiveFeed.Contracts;
using LiveFeed.Feeds;
using LiveFeed.Feeds.InMemory;
using LiveFeed.Server.Hosting;
using LiveFeed.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace LiveFeed.Tests.Hub;

/// <summary>
/// The server reads its store through shared reads: Subscribes and public <c>GET</c>s of one feed that come together
/// cost the store one read, and each still gets exactly its own answer (docs/architecture.md, "Shared reads").
/// </summary>
public sealed class SharedReadTests : IDisposable
{
    private const int Crowd = 24;

    private readonly LiveFeedServer _server = new(services: services =>
    {
        // The store itself, whose reads are counted and can be held ...
        services.AddSingleton<InMemoryFeedStore>();
        services.Replace(ServiceDescriptor.KeyedSingleton<IFeedStore>(
            FeedStoreHosting.Backing, (provider, _) => new HeldReadsStore(provider.GetRequiredService<InMemoryFeedStore>())));

        // ... and around what the server reads through (the shared reads), what tells when every call has reached them.
        var shared = services.Single(d => d.ServiceType == typeof(IFeedStore) && !d.IsKeyedService);
        services.Replace(ServiceDescriptor.Singleton<IFeedStore>(provider => new HeldReadsStore((IFeedStore)shared.ImplementationFactory!(provider))));
    });

    private HeldReadsStore Store => (HeldReadsStore)_server.Services.GetRequiredKeyedService<IFeedStore>(FeedStoreHosting.Backing);

    private HeldReadsStore Calls => (HeldReadsStore)_server.Services.GetRequiredService<IFeedStore>();

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task ReadersSubscribingTogetherCostTheStoreOneReadAndEachGetsThePageOfItsOwnPosition()
    {
        using var newsroom = _server.CreateNewsroomClient();
        var (feed, epoch) = await SeedAsync(newsroom, "together", 6);
        (string? Epoch, long? Sequence)[] positions = [(null, null), (epoch, 0), (epoch, 3), (epoch, 6), (epoch, 7), ("another-epoch", 2)];
        var readers = new List<TestReader>();
        try
        {
            for (var i = 0; i < Crowd; i++)
            {
                readers.Add(await _server.ConnectReaderAsync(i % 2 == 0 ? HubProtocolKind.Json : HubProtocolKind.MessagePack));
            }

            var storeReadsBefore = Store.PageReads.Count;
            var callsBefore = Calls.PageReads.Count;
            var release = Store.HoldNextRead();
            var subscribes = readers.Select((reader, i) => reader.SubscribeAsync(feed, positions[i % positions.Length].Epoch, positions[i % positions.Length].Sequence)).ToList();
            await Eventually.HoldsAsync(() => Task.FromResult(Calls.PageReads.Count - callsBefore == Crowd), "every Subscribe reads", TestReader.Timeout);
            release.SetResult();
            var pages = await Task.WhenAll(subscribes).WaitAsync(TestReader.Timeout);

            // The first Subscribe's read, then one for the other 23.
            Assert.Equal([1, Crowd - 1], Store.PageReads.Skip(storeReadsBefore).Select(read => read.Count));
            var plain = _server.Services.GetRequiredService<InMemoryFeedStore>();
            for (var i = 0; i < Crowd; i++)
            {
                var (readerEpoch, sequence) = positions[i % positions.Length];
                var own = await plain.ReadAsync(feed, readerEpoch is null ? null : new FeedPosition(readerEpoch, sequence!.Value), int.MaxValue, default);
                Assert.Equal(System.Text.Json.JsonSerializer.Serialize(own), System.Text.Json.JsonSerializer.Serialize(pages[i]));
            }

            var next = await newsroom.PublishAsync(feed, "After the crowd subscribed");
            foreach (var reader in readers)
            {
                var live = await reader.NextEventAsync();
                Assert.Equal((7L, next.Id), (live.Sequence, live.Item.Id));
            }
        }
        finally
        {
            foreach (var reader in readers)
            {
                await reader.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task ASurgeOfPublicReadsOfAFeedCostsTheStoreOneReadOfEachKindAndEachGetsItsOwnAnswer()
    {
        using var newsroom = _server.CreateNewsroomClient();
        var (feed, epoch) = await SeedAsync(newsroom, "surge", 12);
        var urls = Enumerable.Range(0, Crowd).SelectMany(i => new[]
        {
            $"/api/feeds/{feed}/items?limit={1 + (i % 13)}",
            i % 4 == 0 ? $"/api/feeds/{feed}/events" : $"/api/feeds/{feed}/events?epoch={epoch}&after={i % 14}&limit={1 + (i % 5)}",
        }).ToList();
        using var reader = _server.CreateAnonymousClient();

        // Each alone first: what an unshared read answers.
        var alone = new List<string>();
        foreach (var url in urls)
        {
            alone.Add(await reader.GetStringAsync(new Uri(url, UriKind.Relative)));
        }

        var storeBefore = (Pages: Store.PageReads.Count, Listings: Store.ListingReads);
        var callsBefore = (Pages: Calls.PageReads.Count, Listings: Calls.ListingReads);
        var releasePages = Store.HoldNextRead();
        var releaseListings = Store.HoldNextRead();
        var surge = urls.Select(url => reader.GetStringAsync(new Uri(url, UriKind.Relative))).ToList();
        await Eventually.HoldsAsync(
            () => Task.FromResult(Calls.PageReads.Count - callsBefore.Pages == Crowd && Calls.ListingReads - callsBefore.Listings == Crowd),
            "every GET reads", TestReader.Timeout);
        releasePages.SetResult();
        releaseListings.SetResult();
        var answers = await Task.WhenAll(surge).WaitAsync(TestReader.Timeout);

        // The first of each kind, then one more of each for the others.
        Assert.Equal((2, 2), (Store.PageReads.Count - storeBefore.Pages, Store.ListingReads - storeBefore.Listings));
        Assert.Equal(alone, answers);
    }

    /// <summary>A new feed with <paramref name="count"/> items; its name and epoch.</summary>
    private static async Task<(string Feed, string Epoch)> SeedAsync(HttpClient newsroom, string prefix, int count)
    {
        var feed = NewsroomRequests.UniqueFeed(prefix);
        for (var i = 1; i <= count; i++)
        {
            await newsroom.PublishAsync(feed, $"Item {i}");
        }

        return (feed, (await newsroom.GetFromJsonAsync<FeedPage>($"/api/feeds/{feed}/events"))!.Epoch);
    }
}
