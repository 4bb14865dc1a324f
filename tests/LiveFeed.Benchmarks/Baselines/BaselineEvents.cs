using System.Text.Json;
using LiveFeed.Contracts;

namespace LiveFeed.Benchmarks.Baselines;

/// <summary>The events the baselines send: the same <see cref="FeedEvent"/> shape LiveFeed sends.</summary>
internal static class BaselineEvents
{
    public const string Epoch = "baseline";

    public static FeedEvent Published(string feed, long sequence, ItemRequest content) => new()
    {
        Feed = feed,
        Epoch = Epoch,
        Sequence = sequence,
        Kind = FeedEventKind.Published,
        Item = new FeedItem
        {
            Id = $"b{sequence}",
            Feed = feed,
            Headline = content.Headline,
            Body = content.Body,
            Author = "bench",
            PublishedAt = DateTime.UtcNow,
        },
    };
}

internal static class BaselineJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web);
}
