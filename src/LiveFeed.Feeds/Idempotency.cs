namespace LiveFeed.Feeds;

/// <summary>How long a store remembers an <c>Idempotency-Key</c>.</summary>
public static class Idempotency
{
    /// <summary>A retry with the same key on the same feed within this window makes no new event.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromHours(24);
}
