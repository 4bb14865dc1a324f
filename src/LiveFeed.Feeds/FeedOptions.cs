using System.ComponentModel.DataAnnotations;

namespace LiveFeed.Feeds;

/// <summary>The <c>Feed</c> configuration section.</summary>
public sealed class FeedOptions
{
    /// <summary>The configuration section's name.</summary>
    public const string Section = "Feed";

    /// <summary>Items in a reset page (<c>Feed:SnapshotSize</c>).</summary>
    [Range(1, 1000, ErrorMessage = "Feed:SnapshotSize must be a whole number from {1} to {2}.")]
    public int SnapshotSize { get; set; } = 50;

    /// <summary>Events kept per feed for resuming (<c>Feed:EventRetention</c>).</summary>
    [Range(1, 1_000_000, ErrorMessage = "Feed:EventRetention must be a whole number from {1} to {2}.")]
    public int EventRetention { get; set; } = 10_000;

    /// <summary>Items kept per feed (<c>Feed:ItemRetention</c>).</summary>
    [Range(1, 1_000_000, ErrorMessage = "Feed:ItemRetention must be a whole number from {1} to {2}.")]
    public int ItemRetention { get; set; } = 1_000;
}
