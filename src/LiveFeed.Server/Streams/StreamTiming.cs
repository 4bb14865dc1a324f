namespace LiveFeed.Server.Streams;

/// <summary>The streams' clockwork. Not configuration: the contract fixes what matters (a comment at least every 15 s).</summary>
internal sealed record StreamTiming
{
    /// <summary>A comment line goes to every stream this often: within the contract's 15 s, with room for a busy instance.</summary>
    public TimeSpan KeepAlive { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long an event after a gap waits for the missing ones before they are read from the store.</summary>
    public TimeSpan GapHold { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How often each followed feed is checked against the store when events also come from other instances: an event
    /// whose relay was lost reaches the streams at most this late, even if no later event shows the gap.
    /// </summary>
    public TimeSpan StoreCheck { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The shortest and longest wait before a reader reconnects (the stream's <c>retry:</c>), drawn per stream.</summary>
    public (TimeSpan Least, TimeSpan Most) Retry { get; init; } = (TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5));
}
