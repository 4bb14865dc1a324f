using LiveFeed.Contracts;
using LiveFeed.Feeds;
using LiveFeed.Server.FeedDocuments;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LiveFeed.Server.HtmlPages;

/// <summary>
/// <c>/feeds/{feed}/column</c>: the widget as HTML, for a news site that includes it in its own pages on its server
/// (SSI, ESI, a template that fetches it), so that its readers get the latest items with the page, script or not.
/// The column stands in a declarative shadow root (its styles and the site's stay apart, as the widget's do), and the
/// widget's script tag follows it: the script takes the column over and goes live from the position it was made at.
/// Every address in it is absolute: it is read on another site.
/// </summary>
internal static class ColumnInclude
{
    private const int MaxTitleLength = 100;

    public static async Task<Results<ContentHttpResult, NotFound, ProblemHttpResult>> RenderAsync(
        string feed, string? title, HttpContext context, IFeedStore store, PageAssets assets, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        if (!assets.Available)
        {
            return TypedResults.NotFound();
        }

        if (!FeedName.IsValid(feed))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such feed", detail: $"A feed name is {FeedName.Rule}.");
        }

        title = string.IsNullOrWhiteSpace(title) ? "Latest news" : title.Trim();
        if (title.Length > MaxTitleLength)
        {
            title = title[..(char.IsHighSurrogate(title[MaxTitleLength - 1]) ? MaxTitleLength - 1 : MaxTitleLength)];
        }

        var latest = await ReaderPage.ReadLatestAsync(feed, context, store, loggers, "The column include", cancellationToken);
        var links = new FeedLinks(context.Request, feed);
        var column = ColumnHtml.Render(feed, latest, title, headingLevel: 2, item => links.ItemPage(item).AbsoluteUri);
        var html = Html.Of($"""
            <div class="livefeed-widget"><template shadowrootmode="open"><link rel="stylesheet" href="{links.OnThisServer(assets.ColumnStyles).AbsoluteUri}"><div class="lf-root lf-widget">
            {column}
            </div></template></div><script src="{links.OnThisServer("/widget.js").AbsoluteUri}" data-feed="{feed}" data-title="{title}" async></script>

            """);
        return TypedResults.Content(html.ToString(), HtmlPagesHosting.ContentType);
    }
}
