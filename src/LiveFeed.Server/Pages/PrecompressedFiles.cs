using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;
using Microsoft.Net.Http.Headers;

namespace LiveFeed.Server.Pages;

/// <summary>
/// The scripts and styles as the npm build compressed them once, at its best (Brotli quality 11, gzip 9: a fifth
/// smaller than what compressing each answer on the fly affords), beside each file as <c>.br</c> and <c>.gz</c>: a
/// client that accepts one of them gets it, as the file itself with its <c>Content-Encoding</c>.
/// </summary>
internal static class PrecompressedFiles
{
    private static readonly (string Coding, string Suffix)[] Codings = [("br", ".br"), ("gzip", ".gz")];

    // The coding chosen for this request, for OnPrepareResponse.
    private static readonly object ChosenCoding = new();

    /// <summary>Points a request for a script or style at its precompressed copy when the client takes it.</summary>
    public static IApplicationBuilder UsePrecompressedFiles(this IApplicationBuilder app, IFileProvider files) =>
        app.Use((context, next) =>
        {
            var request = context.Request;
            var path = request.Path.Value;
            if ((HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)) && path is not null && IsCompressible(path))
            {
                foreach (var (coding, suffix) in Codings)
                {
                    if (Accepts(request, coding) && files.GetFileInfo(path + suffix).Exists)
                    {
                        request.Path = path + suffix;
                        context.Items[ChosenCoding] = coding;
                        break;
                    }
                }
            }

            return next(context);
        });

    /// <summary>The content type of a precompressed copy is its original's.</summary>
    public static IContentTypeProvider ContentTypes { get; } = new OriginalContentTypes();

    /// <summary>Marks the answer with the coding chosen, and tells caches the answer depends on what the client accepts.</summary>
    public static void MarkCoding(StaticFileResponseContext file)
    {
        var context = file.Context;
        if (!IsCompressible(context.Request.Path.Value ?? ""))
        {
            return;
        }

        context.Response.Headers.Vary = HeaderNames.AcceptEncoding;
        if (context.Items[ChosenCoding] is string coding)
        {
            context.Response.Headers.ContentEncoding = coding;
        }
    }

    private static bool IsCompressible(string path)
    {
        foreach (var (_, suffix) in Codings)
        {
            if (path.EndsWith(suffix, StringComparison.Ordinal))
            {
                path = path[..^suffix.Length];
            }
        }

        return path.EndsWith(".js", StringComparison.Ordinal) || path.EndsWith(".css", StringComparison.Ordinal);
    }

    private static bool Accepts(HttpRequest request, string coding) =>
        StringWithQualityHeaderValue.TryParseList(request.Headers.AcceptEncoding, out var accepted)
        && accepted.Any(value => string.Equals(value.Value.Value, coding, StringComparison.OrdinalIgnoreCase) && (value.Quality ?? 1) > 0);

    private sealed class OriginalContentTypes : IContentTypeProvider
    {
        private readonly FileExtensionContentTypeProvider _types = new();

        public bool TryGetContentType(string subpath, out string contentType)
        {
            foreach (var (_, suffix) in Codings)
            {
                if (subpath.EndsWith(suffix, StringComparison.Ordinal))
                {
                    return _types.TryGetContentType(subpath[..^suffix.Length], out contentType!);
                }
            }

            return _types.TryGetContentType(subpath, out contentType!);
        }
    }
}
