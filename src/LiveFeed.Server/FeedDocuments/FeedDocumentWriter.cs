using System.ServiceModel.Syndication;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Xml;
using LiveFeed.Contracts;

namespace LiveFeed.Server.FeedDocuments;

/// <summary>The three document formats of a feed.</summary>
internal enum FeedDocumentFormat
{
    Atom,
    Rss,
    JsonFeed,
}

/// <summary>
/// Writes a feed's latest items as an Atom 1.0, RSS 2.0 or JSON Feed 1.1 document. Atom and RSS are written by
/// System.ServiceModel.Syndication's formatters and JSON Feed by System.Text.Json, so every text is escaped by a
/// writer, never by hand: a headline stays text in every reader.
/// </summary>
internal static class FeedDocumentWriter
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    private static readonly JsonSerializerOptions JsonFeedOptions = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static string ContentType(FeedDocumentFormat format) => format switch
    {
        FeedDocumentFormat.Atom => "application/atom+xml; charset=utf-8",
        FeedDocumentFormat.Rss => "application/rss+xml; charset=utf-8",
        _ => "application/feed+json; charset=utf-8",
    };

    /// <summary>The feed's title, as the reader page shows it.</summary>
    public static string Title(string feed) => feed == FeedName.Default ? "Latest news" : $"Latest news: {feed}";

    /// <param name="feed">The feed.</param>
    /// <param name="items">Its latest non-retracted items, newest first.</param>
    /// <param name="updated">When the feed last changed (its latest event), if known.</param>
    /// <param name="links">Where the feed's pages and documents are.</param>
    /// <param name="format">The format to write.</param>
    public static byte[] Write(string feed, IReadOnlyList<FeedItem> items, DateTimeOffset? updated, FeedLinks links, FeedDocumentFormat format) =>
        format == FeedDocumentFormat.JsonFeed ? WriteJsonFeed(feed, items, links) : WriteSyndication(feed, items, updated, links, format);

    private static byte[] WriteSyndication(string feed, IReadOnlyList<FeedItem> items, DateTimeOffset? updated, FeedLinks links, FeedDocumentFormat format)
    {
        var document = new SyndicationFeed(
            Title(feed),
            $"The live news feed '{feed}': its latest items, newest first.",
            links.ReaderPage,
            links.ReaderPage.AbsoluteUri,
            // Atom requires the feed's time: its latest change, or else its newest item's (an empty feed: the Unix epoch).
            updated ?? (items.Count > 0 ? Changed(items[0]) : DateTimeOffset.UnixEpoch))
        {
            Generator = "LiveFeed",
            Items = items.Select(item => Entry(item, links)).ToList(),
        };
        document.Links.Add(new SyndicationLink(links.Document(format), "self", null, format == FeedDocumentFormat.Atom ? "application/atom+xml" : "application/rss+xml", 0));

        using var buffer = new MemoryStream();
        using (var writer = XmlWriter.Create(buffer, new XmlWriterSettings { Encoding = Utf8 }))
        {
            SyndicationFeedFormatter formatter = format == FeedDocumentFormat.Atom
                ? new Atom10FeedFormatter(document)
                // RSS has no field for a correction's time: it goes out as Atom's <updated> beside <pubDate>.
                : new Rss20FeedFormatter(document, serializeExtensionsAsAtom: true);
            formatter.WriteTo(writer);
        }

        return buffer.ToArray();
    }

    private static SyndicationItem Entry(FeedItem item, FeedLinks links)
    {
        var page = links.ItemPage(item);
        var entry = new SyndicationItem
        {
            Id = page.AbsoluteUri,
            Title = new TextSyndicationContent(item.Headline, TextSyndicationContentKind.Plaintext),
            PublishDate = item.PublishedAt,
            // A corrected item shows when it was corrected; Atom requires <updated> on every entry.
            LastUpdatedTime = Changed(item),
        };
        entry.Links.Add(SyndicationLink.CreateAlternateLink(page, "text/html"));
        if (item.Link is { } link)
        {
            entry.Links.Add(new SyndicationLink(new Uri(link), "related", null, null, 0));
        }

        if (item.Body is { } body)
        {
            entry.Summary = new TextSyndicationContent(body, TextSyndicationContentKind.Plaintext);
        }

        entry.Authors.Add(new SyndicationPerson { Name = item.Author });
        foreach (var tag in item.Tags)
        {
            entry.Categories.Add(new SyndicationCategory(tag));
        }

        return entry;
    }

    private static byte[] WriteJsonFeed(string feed, IReadOnlyList<FeedItem> items, FeedLinks links) =>
        JsonSerializer.SerializeToUtf8Bytes(
            new JsonFeed
            {
                Title = Title(feed),
                HomePageUrl = links.ReaderPage.AbsoluteUri,
                FeedUrl = links.Document(FeedDocumentFormat.JsonFeed).AbsoluteUri,
                Items = items.Select(item => new JsonFeedItem
                {
                    Id = links.ItemPage(item).AbsoluteUri,
                    Url = links.ItemPage(item).AbsoluteUri,
                    ExternalUrl = item.Link,
                    Title = item.Headline,
                    // content_text is required: the body, or the headline when there is none.
                    ContentText = item.Body ?? item.Headline,
                    DatePublished = item.PublishedAt,
                    DateModified = item.UpdatedAt,
                    Authors = [new JsonFeedAuthor { Name = item.Author }],
                    Tags = item.Tags.Count > 0 ? item.Tags : null,
                }).ToList(),
            },
            JsonFeedOptions);

    /// <summary>When the item last changed: its correction, or its publication.</summary>
    private static DateTimeOffset Changed(FeedItem item) => item.UpdatedAt ?? item.PublishedAt;

    /// <summary>A JSON Feed 1.1 document (https://www.jsonfeed.org/version/1.1/).</summary>
    private sealed record JsonFeed
    {
        [JsonPropertyName("version")] public string Version { get; } = "https://jsonfeed.org/version/1.1";

        [JsonPropertyName("title")] public required string Title { get; init; }

        [JsonPropertyName("home_page_url")] public required string HomePageUrl { get; init; }

        [JsonPropertyName("feed_url")] public required string FeedUrl { get; init; }

        [JsonPropertyName("items")] public required IReadOnlyList<JsonFeedItem> Items { get; init; }
    }

    private sealed record JsonFeedItem
    {
        [JsonPropertyName("id")] public required string Id { get; init; }

        [JsonPropertyName("url")] public required string Url { get; init; }

        [JsonPropertyName("external_url")] public string? ExternalUrl { get; init; }

        [JsonPropertyName("title")] public required string Title { get; init; }

        [JsonPropertyName("content_text")] public required string ContentText { get; init; }

        [JsonPropertyName("date_published"), JsonConverter(typeof(UtcTimestampJsonConverter))]
        public required DateTime DatePublished { get; init; }

        [JsonPropertyName("date_modified"), JsonConverter(typeof(UtcTimestampJsonConverter))]
        public DateTime? DateModified { get; init; }

        [JsonPropertyName("authors")] public required IReadOnlyList<JsonFeedAuthor> Authors { get; init; }

        [JsonPropertyName("tags")] public IReadOnlyList<string>? Tags { get; init; }
    }

    private sealed record JsonFeedAuthor
    {
        [JsonPropertyName("name")] public required string Name { get; init; }
    }
}
