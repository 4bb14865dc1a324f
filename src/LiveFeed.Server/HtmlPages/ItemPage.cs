using LiveFeed.Contracts;
using LiveFeed.Feeds;
using LiveFeed.Server.Api;
using LiveFeed.Server.FeedDocuments;
using LiveFeed.Server.Newsroom;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LiveFeed.Server.HtmlPages;

/// <summary>
/// <c>/feeds/{feed}/items/{id}</c>: one item's own page, the address an item's time links to and people share. Its
/// text, a canonical link, Open Graph and Twitter card tags (title = headline, so a shared flash shows its headline)
/// and JSON-LD. A retracted item answers 410 saying when, without its text; an unknown one 404; both as pages.
/// </summary>
internal static class ItemPage
{
    private const int DescriptionLength = 200;
    private const string Footer = "Times are in UTC.";

    public static async Task<Results<ContentHttpResult, NotFound>> RenderAsync(
        string feed, string id, HttpContext context, IFeedStore store, PageAssets assets, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        if (!assets.Available)
        {
            return TypedResults.NotFound();
        }

        if (!FeedName.IsValid(feed) || !ItemIds.IsPlausible(id))
        {
            return Answer(NotFoundPage(assets, feed: null), StatusCodes.Status404NotFound);
        }

        FeedItem? item;
        try
        {
            item = (await store.GetItemAsync(feed, id, cancellationToken))?.Item;
        }
        catch (FeedStoreUnavailableException exception)
        {
            HtmlPagesLog.RenderedWithoutItems(loggers.CreateLogger("LiveFeed.Pages"), "An item page", feed, exception);
            context.Response.Headers.CacheControl = "no-store";
            context.Response.Headers.RetryAfter = ApiFilters.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Answer(UnavailablePage(assets, feed), StatusCodes.Status503ServiceUnavailable);
        }

        var links = new FeedLinks(context.Request, feed);
        return item switch
        {
            null => Answer(NotFoundPage(assets, feed), StatusCodes.Status404NotFound),
            { RetractedAt: { } retractedAt } => Answer(RetractedPage(assets, feed, retractedAt), StatusCodes.Status410Gone),
            _ => Answer(Page(assets, feed, item, links), StatusCodes.Status200OK),
        };
    }

    private static ContentHttpResult Answer(Html page, int status) =>
        TypedResults.Content(page.ToString(), HtmlPagesHosting.ContentType, statusCode: status);

    private static Html Page(PageAssets assets, string feed, FeedItem item, FeedLinks links)
    {
        var address = links.ItemPage(item).AbsoluteUri;
        var description = Description(item);
        var head = Html.Of($"""
            <link rel="canonical" href="{address}">
            <meta name="description" content="{description}">
            <meta property="og:type" content="article">
            <meta property="og:site_name" content="LiveFeed">
            <meta property="og:title" content="{item.Headline}">
            <meta property="og:description" content="{description}">
            <meta property="og:url" content="{address}">
            <meta property="article:published_time" content="{PageTimes.Iso(item.PublishedAt)}">
            {(item.UpdatedAt is { } updated ? Html.Of($"<meta property=\"article:modified_time\" content=\"{PageTimes.Iso(updated)}\">") : Html.Empty)}
            <meta name="twitter:card" content="summary">
            <meta name="twitter:title" content="{item.Headline}">
            <meta name="twitter:description" content="{description}">
            {StructuredData.Article(item, links)}
            """);
        var main = Html.Of($"""
            {Back(feed)}
            <div class="lf-item lf-single" data-id="{item.Id}" data-priority="{ColumnHtml.Priority(item)}">{ColumnHtml.Item(item, address: null, headingLevel: 1)}</div>
            """);
        return PageLayout.Document(assets, item.Headline, feed, head, main, script: null, Footer);
    }

    private static Html RetractedPage(PageAssets assets, string feed, DateTime retractedAt)
    {
        var main = Html.Of($"""
            {Back(feed)}
            <div class="lf-gone"><h1 class="lf-column-title">This item was retracted</h1>
            <p>The newsroom retracted it on <time datetime="{PageTimes.Iso(retractedAt)}">{PageTimes.Short(retractedAt)}</time>. Its text is no longer published.</p></div>
            """);
        return PageLayout.Document(assets, "Retracted", feed, NotForIndexing, main, script: null, Footer);
    }

    private static Html NotFoundPage(PageAssets assets, string? feed)
    {
        var main = Html.Of($"""
            {(feed is null ? Back(FeedName.Default) : Back(feed))}
            <div class="lf-gone"><h1 class="lf-column-title">No such item</h1>
            <p>There is no such item in this feed: the address may be mistyped, or the item too old to be kept.</p></div>
            """);
        return PageLayout.Document(assets, "No such item", feed, NotForIndexing, main, script: null, Footer);
    }

    private static Html UnavailablePage(PageAssets assets, string feed)
    {
        var main = Html.Of($"""
            {Back(feed)}
            <div class="lf-gone"><h1 class="lf-column-title">The news cannot be read right now</h1>
            <p>Try again in a few seconds.</p></div>
            """);
        return PageLayout.Document(assets, "Unavailable", feed, NotForIndexing, main, script: null, Footer);
    }

    private static Html NotForIndexing => Html.Of($"<meta name=\"robots\" content=\"noindex\">");

    private static Html Back(string feed) =>
        Html.Of($"<p class=\"lf-back\"><a href=\"{FeedLinks.ReaderPath(feed)}\">← {FeedDocumentWriter.Title(feed)}</a></p>");

    /// <summary>The body's start (or the feed's title for a flash with no body), for link previews.</summary>
    private static string Description(FeedItem item)
    {
        if (item.Body is not { Length: > 0 } body)
        {
            return FeedDocumentWriter.Title(item.Feed);
        }

        var text = string.Join(' ', body.Split((char[])['\n', '\r', '\t', ' '], StringSplitOptions.RemoveEmptyEntries));
        if (text.Length <= DescriptionLength)
        {
            return text;
        }

        var cut = char.IsHighSurrogate(text[DescriptionLength - 1]) ? DescriptionLength - 1 : DescriptionLength;
        return $"{text[..cut].TrimEnd()}…";
    }
}
