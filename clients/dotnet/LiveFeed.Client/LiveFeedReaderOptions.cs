using LiveFeed.Contracts;

namespace LiveFeed.Client;

/// <summary>The hub protocol a <see cref="LiveFeedReader"/> speaks.</summary>
public enum LiveFeedProtocol
{
    /// <summary>JSON text frames.</summary>
    Json,

    /// <summary>MessagePack binary frames: smaller, and cheaper to parse.</summary>
    MessagePack,
}

/// <summary>How a <see cref="LiveFeedReader"/> connects and keeps up.</summary>
public sealed class LiveFeedReaderOptions
{
    /// <summary>The hub protocol. Default: JSON.</summary>
    public LiveFeedProtocol Protocol { get; set; } = LiveFeedProtocol.Json;

    /// <summary>
    /// How long an event that arrives after a gap in sequences is held, waiting for the missing ones,
    /// before the reader asks the server for them (<c>GET /api/feeds/{feed}/events</c>). Default: 1 s.
    /// </summary>
    public TimeSpan GapTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The longest wait between two reconnect attempts. The reader retries for ever; each wait is random, up to
    /// 1 s for the first attempt and twice as long for each one after, up to this. Default: 30 s.
    /// </summary>
    public TimeSpan MaxReconnectDelay { get; set; } = ReconnectPolicy.DefaultMaxDelay;

    /// <summary>The most items kept per feed (the newest). Default: 1000, the server's default item retention.</summary>
    public int MaxItemsPerFeed { get; set; } = 1000;

    /// <summary>
    /// The HTTP client used to fetch missing events, with its <see cref="HttpClient.BaseAddress"/> set to the
    /// server. Default: one the reader makes and disposes.
    /// </summary>
    public HttpClient? HttpClient { get; set; }

    /// <summary>The clock for the gap timeout and for <c>Retry-After</c>. Default: <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Test seam: what the hub's pushed events become before the reader sees them (drop, reorder, delay).</summary>
    internal Func<FeedEvent, IEnumerable<FeedEvent>>? IncomingEventFilter { get; set; }
}
