using System.Text.Json.Nodes;
using LiveFeed.Contracts;
using LiveFeed.Server.FeedDocuments;

namespace LiveFeed.Server.HtmlPages;

/// <summary>
/// What the pages tell search engines, as schema.org JSON-LD in a <c>&lt;script type="application/ld+json"&gt;</c> data
/// block: the reader page is a <c>LiveBlogPosting</c> whose updates are the items shown, an item page a
/// <c>NewsArticle</c>. A data block is not script: the strict Content-Security-Policy does not apply to it, and its
/// JSON has <c>&lt;</c>, <c>&gt;</c> and <c>&amp;</c> escaped, so no headline can end it.
/// </summary>
internal static class StructuredData
{
    private const string Context = "https://schema.org";

    /// <summary>
    /// The reader page: <c>coverageStartTime</c> is the publish time of the oldest item shown (the feed keeps no older
    /// record of when it began; an empty feed's is <paramref name="now"/>), <c>liveBlogUpdate</c> one <c>BlogPosting</c>
    /// per item shown, newest first.
    /// </summary>
    public static Html LiveBlog(FeedPage page, string title, FeedLinks links, DateTime now)
    {
        var address = links.ReaderPage.AbsoluteUri;
        var blog = new JsonObject
        {
            ["@context"] = Context,
            ["@type"] = "LiveBlogPosting",
            ["@id"] = address,
            ["url"] = address,
            ["headline"] = title,
            ["coverageStartTime"] = PageTimes.Iso(page.Items.Count > 0 ? page.Items.Min(item => item.PublishedAt) : now),
        };
        if (page.Items.Count > 0)
        {
            blog["dateModified"] = PageTimes.Iso(page.Items.Max(LastChanged));
        }

        blog["liveBlogUpdate"] = new JsonArray([.. page.Items.Select(item => Posting("BlogPosting", item, links))]);
        return Block(blog);
    }

    /// <summary>An item's own page: a <c>NewsArticle</c>, part of its feed's live blog.</summary>
    public static Html Article(FeedItem item, FeedLinks links)
    {
        var article = Posting("NewsArticle", item, links);
        article["@context"] = Context;
        article["mainEntityOfPage"] = links.ItemPage(item).AbsoluteUri;
        article["isPartOf"] = new JsonObject { ["@type"] = "LiveBlogPosting", ["@id"] = links.ReaderPage.AbsoluteUri };
        return Block(article);
    }

    // headline, the times, the text (a flash with no body is its headline) and the item page's address.
    private static JsonObject Posting(string type, FeedItem item, FeedLinks links) => new()
    {
        ["@type"] = type,
        ["headline"] = item.Headline,
        ["datePublished"] = PageTimes.Iso(item.PublishedAt),
        ["dateModified"] = PageTimes.Iso(LastChanged(item)),
        ["articleBody"] = item.Body ?? item.Headline,
        ["url"] = links.ItemPage(item).AbsoluteUri,
    };

    private static DateTime LastChanged(FeedItem item) => item.UpdatedAt ?? item.PublishedAt;

    private static Html Block(JsonObject data) => Html.Of($"<script type=\"application/ld+json\">{Html.ScriptData(data)}</script>\n");
}
