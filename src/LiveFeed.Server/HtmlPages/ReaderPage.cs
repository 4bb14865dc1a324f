using LiveFeed.Contracts;
using LiveFeed.Feeds;
using LiveFeed.Server.FeedDocuments;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LiveFeed.Server.HtmlPages;

/// <summary>
/// <c>/</c> (<c>?feed=</c>): the reader page, arriving with the feed's latest items in its HTML, readable with
/// JavaScript off. Its script takes the column over and goes live from the position the HTML was made at.
/// </summary>
internal static class ReaderPage
{
    private const string Footer = "Updates appear here as the newsroom publishes them.";

    public static async Task<Results<ContentHttpResult, NotFound>> RenderAsync(
        string? feed, HttpContext context, IFeedStore store, PageAssets assets, TimeProvider time, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        if (!assets.Available)
        {
            return TypedResults.NotFound();
        }

        feed = string.IsNullOrEmpty(feed) ? FeedName.Default : feed;
        if (!FeedName.IsValid(feed))
        {
            // What was asked is never written into the page; the script names it (as text) and does not connect.
            return TypedResults.Content(NotAFeedPage(assets).ToString(), HtmlPagesHosting.ContentType, statusCode: StatusCodes.Status404NotFound);
        }

        var latest = await ReadLatestAsync(feed, context, store, loggers, "The reader page", cancellationToken);
        var links = new FeedLinks(context.Request, feed);
        return TypedResults.Content(Page(assets, feed, latest, links, time.GetUtcNow().UtcDateTime).ToString(), HtmlPagesHosting.ContentType);
    }

    /// <summary>How many times a column reads its page and highlights to have both at one position.</summary>
    private const int HighlightsAttempts = 3;

    /// <summary>
    /// The reset page of <paramref name="feed"/> (its position and latest items), its pinned item and its key events
    /// however old, or null when the store cannot be reached: the page then goes out without items, is not kept by
    /// caches, and its script reads them.
    /// </summary>
    public static async Task<LatestItems?> ReadLatestAsync(
        string feed, HttpContext context, IFeedStore store, ILoggerFactory loggers, string what, CancellationToken cancellationToken)
    {
        try
        {
            // The pinned item and key events older than the page's items are read on their own, after the page.
            for (var attempt = 1; ; attempt++)
            {
                var page = await store.ReadAsync(feed, after: null, maxEvents: 1, cancellationToken);
                var highlights = await store.GetHighlightsAsync(feed, cancellationToken);
                // The events after the page's position, which the script applies, leave the pin right whatever moved it
                // meanwhile.
                var pinned = page.Items.FirstOrDefault(item => item.Pinned) ?? highlights.Pinned;
                var keyEvents = page.Items.Where(item => item.KeyEvent).ToList();
                if (highlights.Epoch == page.Epoch && highlights.Sequence == page.Sequence)
                {
                    // Read at the page's position: every key event not among the page's items is older than them all.
                    var inPage = page.Items.Select(item => item.Id).ToHashSet(StringComparer.Ordinal);
                    keyEvents.AddRange(highlights.KeyEvents.Where(item => !inPage.Contains(item.Id)));
                }
                else if (attempt < HighlightsAttempts)
                {
                    // A write came between the two reads: a key event not among the page's items may then be one
                    // published after the page (the script gets it in its place), or one it changed; read both again.
                    continue;
                }

                // (After that, only the page's own key events: the rest show on the page's next load or reset.)
                return new LatestItems(page, pinned, [.. keyEvents.Take(HighlightsRead.MaxKeyEvents)]);
            }
        }
        catch (FeedStoreUnavailableException exception)
        {
            HtmlPagesLog.RenderedWithoutItems(loggers.CreateLogger("LiveFeed.Pages"), what, feed, exception);
            context.Response.Headers.CacheControl = "no-store";
            return null;
        }
    }

    private static Html Page(PageAssets assets, string feed, LatestItems? latest, FeedLinks links, DateTime now)
    {
        var title = FeedDocumentWriter.Title(feed);
        var page = latest?.Page;
        var column = ColumnHtml.Render(feed, latest, title, headingLevel: 1, item => FeedLinks.ItemPath(feed, item.Id));
        var main = Html.Of($"""
            {column}
            <noscript><p class="lf-note">Without JavaScript this page does not update by itself: reload it for the latest news.</p></noscript>
            """);
        var head = Html.Of($"""
            <link rel="canonical" href="{links.ReaderPage.AbsoluteUri}">
            {Alternates(feed, title)}{(page is null ? Html.Empty : StructuredData.LiveBlog(page, title, links, now))}
            """);
        return PageLayout.Document(assets, title, feed, head, main, assets.ReaderScript, Footer);
    }

    private static Html NotAFeedPage(PageAssets assets)
    {
        const string Title = "Latest news";
        var column = ColumnHtml.Render(FeedName.Default, latest: null, Title, headingLevel: 1, item => "", "This is not a feed name: use lowercase letters, digits and dashes.");
        return PageLayout.Document(assets, Title, feed: null, Html.Empty, column, assets.ReaderScript, Footer);
    }

    /// <summary>The feed's documents (Atom, RSS, JSON Feed), for feed readers and browsers that look for them.</summary>
    private static Html Alternates(string feed, string title) => Html.Of($"""
        <link rel="alternate" type="application/atom+xml" title="{title} (Atom)" href="{FeedDocumentsApi.PathOf(feed, FeedDocumentFormat.Atom)}">
        <link rel="alternate" type="application/rss+xml" title="{title} (RSS)" href="{FeedDocumentsApi.PathOf(feed, FeedDocumentFormat.Rss)}">
        <link rel="alternate" type="application/feed+json" title="{title} (JSON Feed)" href="{FeedDocumentsApi.PathOf(feed, FeedDocumentFormat.JsonFeed)}">
        """);
}
