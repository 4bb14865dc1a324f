using LiveFeed.Contracts;
using LiveFeed.Server.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.FileProviders;
using Microsoft.Net.Http.Headers;

namespace LiveFeed.Server.Pages;

/// <summary>
/// The browser pages built from <c>clients/web</c>: the newsroom console at <c>/newsroom</c>, the
/// embeddable <c>/widget.js</c> and the assets of every page (the reader page is rendered: HtmlPages/). The server's
/// build runs the npm build and copies its output to <c>pages/</c> beside the server's assembly.
/// </summary>
internal static class PagesHosting
{
    /// <summary>Where the built pages are: <c>pages/</c> beside the server's assembly.</summary>
    public static string Root { get; } = Path.Combine(AppContext.BaseDirectory, "pages");

    /// <summary>
    /// Where the built scripts and styles are. Their names carry a hash of their content (the npm build's
    /// manifest.json names them), so a browser or a CDN keeps each for as long as it likes; any other file
    /// (the widget's one address, the HTML) is revalidated (ETag) rather than kept stale.
    /// </summary>
    private const string AssetsPath = "/assets";

    private const string ImmutableAsset = "public, max-age=31536000, immutable";

    /// <summary>
    /// Security headers on every answer but a hub WebSocket's, and the pages themselves. The widget's reads from other
    /// origins are allowed by the CORS rules (Cors/, <c>Cors:AllowedOrigins</c>).
    /// </summary>
    public static WebApplication UsePages(this WebApplication app)
    {
        app.Use(static (context, next) =>
        {
            // Not on a hub WebSocket's answers, which no browser renders: the callback, and its list, would stay with the
            // request as long as its reader does.
            if (ReaderRequests.IsHubWebSocket(context.Request))
            {
                return next(context);
            }

            // Set when the answer starts, so that error answers (whose headers are cleared) have them too.
            context.Response.OnStarting(static state =>
            {
                var context = (HttpContext)state;
                var headers = context.Response.Headers;
                headers.ContentSecurityPolicy = context.Request.Path.StartsWithSegments("/docs", StringComparison.OrdinalIgnoreCase)
                    ? SecurityHeaders.ApiDocsContentSecurityPolicy
                    : SecurityHeaders.ContentSecurityPolicy;
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = SecurityHeaders.ReferrerPolicy;
                return Task.CompletedTask;
            }, context);
            return next(context);
        });

        // Missing pages (a build without clients/web) leave the API and the hub working; the pages answer 404.
        IFileProvider files = Directory.Exists(Root) ? new PhysicalFileProvider(Root) : new NullFileProvider();
        if (files is NullFileProvider)
        {
            PagesLog.PagesMissing(app.Logger, Root);
        }

        app.UsePrecompressedFiles(files);
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files,
            ContentTypeProvider = PrecompressedFiles.ContentTypes,
            OnPrepareResponse = static file =>
            {
                file.Context.Response.Headers.CacheControl =
                    file.Context.Request.Path.StartsWithSegments(AssetsPath, StringComparison.Ordinal) ? ImmutableAsset : "no-cache";
                PrecompressedFiles.MarkCoding(file);
            },
        });

        app.MapGet("/newsroom", (HttpContext context) => Page(context, files, "newsroom.html")).AnswersHead().ExcludeFromDescription();
        return app;
    }

    private static Results<PhysicalFileHttpResult, NotFound> Page(HttpContext context, IFileProvider files, string name)
    {
        var file = files.GetFileInfo(name);
        if (!file.Exists || file.PhysicalPath is null)
        {
            return TypedResults.NotFound();
        }

        context.Response.Headers.CacheControl = "no-cache";
        return TypedResults.PhysicalFile(file.PhysicalPath, "text/html; charset=utf-8", lastModified: file.LastModified);
    }
}
