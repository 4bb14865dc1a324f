using LiveFeed.Server.Caching;

namespace LiveFeed.Server.HtmlPages;

/// <summary>
/// The pages the server renders from the store, for readers who never run our script (or run it late): the reader
/// page at <c>/</c>, each item's own page (<c>/feeds/{feed}/items/{id}</c>) and the column a news site includes
/// (<c>/feeds/{feed}/column</c>). Everything in them is encoded
/// text (<see cref="Html"/>).
/// </summary>
internal static class HtmlPagesHosting
{
    public const string ContentType = "text/html; charset=utf-8";

    public static IHostApplicationBuilder AddHtmlPages(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton(_ => PageAssets.LoadBuilt());
        return builder;
    }

    public static WebApplication MapHtmlPages(this WebApplication app)
    {
        // Public reads like the API's: a cache (a CDN in front) may keep each for a few seconds (Caching/).
        app.MapGet("/", ReaderPage.RenderAsync).ExcludeFromDescription().CacheAsPublicRead();
        app.MapGet("/feeds/{feed}/column", ColumnInclude.RenderAsync).ExcludeFromDescription().CacheAsPublicRead();
        app.MapGet("/feeds/{feed}/items/{id}", ItemPage.RenderAsync).ExcludeFromDescription().CacheAsPublicRead();
        return app;
    }
}
