using LiveFeed.Contracts;
using LiveFeed.Feeds;
using LiveFeed.Server.Api;
using LiveFeed.Server.Caching;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace LiveFeed.Server.FeedDocuments;

/// <summary>
/// The feed documents: <c>/feeds/{feed}.atom</c> (Atom 1.0), <c>.rss</c> (RSS 2.0) and <c>.json</c> (JSON Feed 1.1),
/// each the latest <c>Feed:SnapshotSize</c> non-retracted items, newest first. Public and cacheable: an <c>ETag</c>
/// naming the feed's position, <c>Last-Modified</c>, <c>304</c> to a conditional request that still holds, and a
/// short <c>max-age</c>, so that a CDN in front absorbs a surge.
/// </summary>
internal static class FeedDocumentsApi
{
    /// <summary>
    /// Last-Modified has whole seconds, and two changes can fall in one second. It is sent only once the feed's latest
    /// change is this old, so a client's <c>If-Modified-Since</c> can never hide a later change; before that the
    /// <c>ETag</c>, which is exact, is the only validator.
    /// </summary>
    private static readonly TimeSpan SettledAfter = TimeSpan.FromSeconds(5);

    public static string PathOf(string feed, FeedDocumentFormat format) => format switch
    {
        FeedDocumentFormat.Atom => $"/feeds/{feed}.atom",
        FeedDocumentFormat.Rss => $"/feeds/{feed}.rss",
        _ => $"/feeds/{feed}.json",
    };

    public static WebApplication MapFeedDocuments(this WebApplication app)
    {
        var documents = app.MapGroup("/feeds")
            .AddEndpointFilter(ApiFilters.AnswerStoreUnavailable)
            .AddEndpointFilter(ApiFilters.ValidateFeedName)
            .WithTags("Feed documents")
            .CacheAsPublicRead()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        documents.MapGet("/{feed}.atom", (string feed, HttpContext context, IFeedStore store, IOptions<FeedOptions> options, TimeProvider time) =>
            Document(feed, FeedDocumentFormat.Atom, context, store, options, time)).WithName("AtomFeed");
        documents.MapGet("/{feed}.rss", (string feed, HttpContext context, IFeedStore store, IOptions<FeedOptions> options, TimeProvider time) =>
            Document(feed, FeedDocumentFormat.Rss, context, store, options, time)).WithName("RssFeed");
        documents.MapGet("/{feed}.json", (string feed, HttpContext context, IFeedStore store, IOptions<FeedOptions> options, TimeProvider time) =>
            Document(feed, FeedDocumentFormat.JsonFeed, context, store, options, time)).WithName("JsonFeed");
        return app;
    }

    /// <summary>True for a request of a feed document (for CORS: a public read).</summary>
    public static bool IsFeedDocument(HttpRequest request) => request.Path.StartsWithSegments("/feeds", StringComparison.OrdinalIgnoreCase);

    private static async Task<FileContentHttpResult> Document(
        string feed, FeedDocumentFormat format, HttpContext context, IFeedStore store, IOptions<FeedOptions> options, TimeProvider time)
    {
        var cancellationToken = context.RequestAborted;

        // The reset page is exactly the document's content: the latest Feed:SnapshotSize items, newest first.
        var page = await store.ReadAsync(feed, after: null, maxEvents: 1, cancellationToken);
        var changed = await LatestChangeAsync(store, page, cancellationToken);

        var settled = changed is { } at && time.GetUtcNow() - at >= SettledAfter ? changed : null;

        // The answer to If-None-Match / If-Modified-Since (304 when it still holds) is the result's own.
        return TypedResults.Bytes(
            FeedDocumentWriter.Write(feed, page.Items, changed, new FeedLinks(context.Request, feed), format),
            FeedDocumentWriter.ContentType(format),
            lastModified: settled,
            entityTag: new EntityTagHeaderValue($"\"{Tag(page.Epoch)}-{page.Sequence}\""));
    }

    /// <summary>
    /// When the feed last changed: the time of the event at the page's sequence (a retraction leaves no trace among the
    /// items). Null for an empty feed, or when that event is no longer kept.
    /// </summary>
    private static async Task<DateTimeOffset?> LatestChangeAsync(IFeedStore store, FeedPage page, CancellationToken cancellationToken)
    {
        if (page.Sequence == 0)
        {
            return null;
        }

        var latest = await store.ReadAsync(page.Feed, new FeedPosition(page.Epoch, page.Sequence - 1), maxEvents: 1, cancellationToken);
        return latest is { Reset: false, Events: [{ } feedEvent, ..] } && feedEvent.Sequence == page.Sequence
            ? feedEvent.Item.RetractedAt ?? feedEvent.Item.UpdatedAt ?? feedEvent.Item.PublishedAt
            : null;
    }

    /// <summary>The epoch as it may stand in an ETag (which allows no quote, backslash, space or control character).</summary>
    private static string Tag(string epoch) =>
        epoch.All(c => c is > ' ' and < '\u007f' and not '"' and not '\\') ? epoch : Convert.ToHexStringLower(System.Text.Encoding.UTF8.GetBytes(epoch));
}
