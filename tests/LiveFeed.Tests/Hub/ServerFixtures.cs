using LiveFeed.Contracts;
using LiveFeed.Feeds;
using LiveFeed.Feeds.InMemory;
using LiveFeed.Server.Hosting;
using LiveFeed.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;

namespace LiveFeed.Tests.Hub;

/// <summary>A server with default settings, shared by one test class. Tests use unique feeds.</summary>
public sealed class SharedServer : IDisposable
{
    public LiveFeedServer Server { get; } = new();

    public void Dispose() => Server.Dispose();
}

/// <summary>A server whose clock the tests set, so that timestamps can be asserted exactly.</summary>
public sealed class ClockedServer : IDisposable
{
    public ClockedServer()
    {
        Server = new LiveFeedServer(clock: Clock);
    }

    // Sub-millisecond ticks on purpose: the contract's timestamps have millisecond precision.
    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 11, 28, 14, 49, 0, 123, TimeSpan.Zero).AddTicks(4567));

    public LiveFeedServer Server { get; }

    /// <summary>Moves the clock on and answers the time the server must now stamp, cut to milliseconds.</summary>
    public DateTime Advance(TimeSpan by)
    {
        Clock.Advance(by);
        var now = Clock.GetUtcNow().UtcDateTime;
        return new DateTime(now.Ticks - (now.Ticks % TimeSpan.TicksPerMillisecond), DateTimeKind.Utc);
    }

    public void Dispose() => Server.Dispose();
}

/// <summary>A server with small reset pages and a short event log, to reach the resume rule's edges.</summary>
public sealed class SmallFeedServer : IDisposable
{
    public const int SnapshotSize = 5;
    public const int EventRetention = 5;

    public LiveFeedServer Server { get; } = new(new Dictionary<string, string?>
    {
        ["Feed:SnapshotSize"] = SnapshotSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Feed:EventRetention"] = EventRetention.ToString(System.Globalization.CultureInfo.InvariantCulture),
    });

    public void Dispose() => Server.Dispose();
}

/// <summary>
/// A server whose store answers late, as a store across a network does: every write answers 0 to 2 ms after
/// it is stored, every read <see cref="ReadDelay"/> after it was made. The moments between storing an event and
/// handing it to the broadcast, and between Subscribe's read and live delivery, are then wide enough for
/// other requests to land in them.
/// </summary>
public sealed class SlowStoreServer : IDisposable
{
    public static readonly TimeSpan ReadDelay = TimeSpan.FromMilliseconds(20);

    // The store behind the server's shared reads, so that they are in play with it.
    public LiveFeedServer Server { get; } = new(services: services =>
    {
        services.AddSingleton<InMemoryFeedStore>();
        services.Replace(ServiceDescriptor.KeyedSingleton<IFeedStore>(
            FeedStoreHosting.Backing, (provider, _) => new SlowFeedStore(provider.GetRequiredService<InMemoryFeedStore>())));
    });

    public void Dispose() => Server.Dispose();

    private sealed class SlowFeedStore(IFeedStore inner) : IFeedStore
    {
        public Task<IReadOnlyList<FeedPage>> ReadPagesAsync(string feed, IReadOnlyList<PageRequest> requests, CancellationToken cancellationToken) =>
            Late(inner.ReadPagesAsync(feed, requests, cancellationToken), ReadDelay);

        public Task<PublishResult> PublishAsync(FeedItem item, string? idempotencyKey, CancellationToken cancellationToken) =>
            Late(inner.PublishAsync(item, idempotencyKey, cancellationToken), WriteDelay());

        public Task<ChangeResult> CorrectAsync(string feed, string itemId, ItemContent content, DateTime updatedAt, string by, IfMatch? ifMatch, CancellationToken cancellationToken) =>
            Late(inner.CorrectAsync(feed, itemId, content, updatedAt, by, ifMatch, cancellationToken), WriteDelay());

        public Task<ChangeResult> RetractAsync(string feed, string itemId, DateTime retractedAt, string by, IfMatch? ifMatch, CancellationToken cancellationToken) =>
            Late(inner.RetractAsync(feed, itemId, retractedAt, by, ifMatch, cancellationToken), WriteDelay());

        public Task<StoredItem?> GetItemAsync(string feed, string itemId, CancellationToken cancellationToken) =>
            inner.GetItemAsync(feed, itemId, cancellationToken);

        public Task<HighlightsRead> GetHighlightsAsync(string feed, CancellationToken cancellationToken) => inner.GetHighlightsAsync(feed, cancellationToken);

        public Task<IReadOnlyList<FeedEvent>?> GetHistoryAsync(string feed, string itemId, CancellationToken cancellationToken) =>
            inner.GetHistoryAsync(feed, itemId, cancellationToken);

        public Task<ItemsSlice> ListItemsAsync(string feed, string? beforeItemId, int limit, CancellationToken cancellationToken) =>
            inner.ListItemsAsync(feed, beforeItemId, limit, cancellationToken);

        public Task<IReadOnlyList<FeedSummary>> ListFeedsAsync(CancellationToken cancellationToken) => inner.ListFeedsAsync(cancellationToken);

        public Task CheckAvailableAsync(CancellationToken cancellationToken) => inner.CheckAvailableAsync(cancellationToken);

        private static TimeSpan WriteDelay() => TimeSpan.FromMilliseconds(Random.Shared.Next(0, 3));

        // The operation is done at once; only its answer comes late.
        private static async Task<T> Late<T>(Task<T> operation, TimeSpan delay)
        {
            var result = await operation;
            await Task.Delay(delay, CancellationToken.None);
            return result;
        }
    }
}
