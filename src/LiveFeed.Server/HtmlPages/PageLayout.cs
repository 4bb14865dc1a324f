namespace LiveFeed.Server.HtmlPages;

/// <summary>The frame every rendered page shares with the others: head, site header, main, footer.</summary>
internal static class PageLayout
{
    /// <param name="title">The document's title, before " · LiveFeed".</param>
    /// <param name="feed">The feed named in the site header; null names none.</param>
    /// <param name="head">What else the head holds: canonical link, meta tags, JSON-LD.</param>
    /// <param name="main">The page's content.</param>
    /// <param name="script">The page's script, or null for a page that runs none.</param>
    /// <param name="footer">The line at the foot of the page.</param>
    public static Html Document(PageAssets assets, string title, string? feed, Html head, Html main, string? script, string footer) => Html.Of($"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="color-scheme" content="light dark">
        <title>{title} · LiveFeed</title>
        <link rel="icon" href="/favicon.svg" type="image/svg+xml">
        <link rel="stylesheet" href="{assets.ColumnStyles}">
        <link rel="stylesheet" href="{assets.ReaderStyles}">
        {(script is null ? Html.Empty : Script(assets, script))}
        {head}
        </head>
        <body>
        <a class="skip-link" href="#live">Skip to the news</a>
        <header class="site-head">
        <div class="wrap site-head-inner">
        <a class="brand" href="/"><span class="brand-mark" aria-hidden="true"></span>LiveFeed</a>
        {(feed is null ? Html.Empty : Html.Of($"<p class=\"site-feed\">Feed <strong data-feed-name>{feed}</strong></p>"))}
        </div>
        </header>
        <main id="live" class="wrap lf-root" tabindex="-1">
        {main}
        </main>
        <footer class="site-foot">
        <div class="wrap">{footer}</div>
        </footer>
        </body>
        </html>
        """);

    // A module (deferred by nature), and the chunks it imports at once, asked for beside it rather than after it.
    private static Html Script(PageAssets assets, string script) => Html.Of($"""
        <script type="module" src="{script}"></script>
        {assets.ReaderScriptChunks.Select(chunk => Html.Of($"<link rel=\"modulepreload\" href=\"{chunk}\">\n"))}
        """);
}
