using System.IO.Compression;
using LiveFeed.Server.Cors;
using Microsoft.AspNetCore.ResponseCompression;

namespace LiveFeed.Server.Compression;

/// <summary>
/// Answers go out compressed (Brotli, else gzip) to clients that accept it: the pages, their scripts and styles, the
/// API's JSON, the feed documents. Never the hub or a stream: a connection that lasts as long as its reader stays
/// would hold a compressor for all that time, and a compressor holds back what it sends until it has enough.
/// </summary>
internal static class CompressionHosting
{
    /// <summary>Media types a stream is sent as: never compressed, wherever they come from.</summary>
    private const string EventStream = "text/event-stream";

    public static IHostApplicationBuilder AddLiveFeedCompression(this IHostApplicationBuilder builder)
    {
        builder.Services.AddResponseCompression(options =>
        {
            // BREACH needs a secret in a compressed answer beside text an attacker chooses: no answer here holds one
            // (no cookies, no tokens; the newsroom key is only ever sent, never answered).
            options.EnableForHttps = true;
            options.Providers.Add<BrotliCompressionProvider>();
            options.Providers.Add<GzipCompressionProvider>();
            options.MimeTypes =
            [
                .. ResponseCompressionDefaults.MimeTypes,
                "application/problem+json", "application/atom+xml", "application/rss+xml", "application/feed+json", "image/svg+xml",
            ];
            options.ExcludedMimeTypes = [EventStream];
        });

        // Answers are small and a CDN keeps the static ones: a better ratio is worth the little time it costs.
        builder.Services.Configure<BrotliCompressionProviderOptions>(options => options.Level = CompressionLevel.Optimal);
        builder.Services.Configure<GzipCompressionProviderOptions>(options => options.Level = CompressionLevel.Optimal);
        return builder;
    }

    /// <summary>Compression for everything but the hub and the streams, which never pass through it.</summary>
    public static WebApplication UseLiveFeedCompression(this WebApplication app)
    {
        app.UseWhen(context => !CorsHosting.IsHub(context.Request) && !IsStream(context.Request), branch => branch.UseResponseCompression());
        return app;
    }

    // A Server-Sent Events request says so in its Accept header (EventSource always does); the type of the answer is
    // excluded above as well.
    private static bool IsStream(HttpRequest request) =>
        request.Headers.Accept.ToString().Contains(EventStream, StringComparison.OrdinalIgnoreCase)
        || request.Path.Value?.EndsWith("/stream", StringComparison.OrdinalIgnoreCase) == true;
}
