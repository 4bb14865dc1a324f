namespace LiveFeed.Feeds;

/// <summary>The contract's rule for a reader's position, shared by every store.</summary>
public static class ResumeRule
{
    /// <summary>
    /// True when a reader at <paramref name="after"/> can be brought up to date with events alone:
    /// same epoch, not ahead of the feed, and every event after it still kept.
    /// </summary>
    /// <param name="after">The reader's position, or null for none.</param>
    /// <param name="epoch">The feed's current epoch.</param>
    /// <param name="headSequence">The feed's latest sequence.</param>
    /// <param name="oldestKeptSequence">The oldest event still kept (head + 1 when none are kept).</param>
    public static bool CanResume(FeedPosition? after, string epoch, long headSequence, long oldestKeptSequence) =>
        after is { } position
        && string.Equals(position.Epoch, epoch, StringComparison.Ordinal)
        && position.Sequence >= 0
        && position.Sequence <= headSequence
        && position.Sequence >= oldestKeptSequence - 1;
}
