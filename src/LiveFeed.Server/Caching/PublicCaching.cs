using System.Security.Cryptography;
using System.Text;
using LiveFeed.Server.Hosting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace LiveFeed.Server.Caching;

/// <summary>
/// The caching of public reads (the items, one item, the events, the feed documents, the rendered pages): any cache,
/// a CDN in front included, may keep an answer for <see cref="MaxAgeSeconds"/> and then revalidate it with its
/// <c>ETag</c>; a request whose <c>If-None-Match</c> still holds is answered <c>304</c> with no body. One endpoint filter
/// (<see cref="CacheAsPublicRead{TBuilder}"/>) does it for every such read, so a surge of page loads costs the store
/// one read per feed every few seconds, not one per reader.
/// </summary>
internal static class PublicCaching
{
    /// <summary>How long a cache may serve an answer without asking again: what a live feed can bear (contract: at most 5 s).</summary>
    public const int MaxAgeSeconds = 5;

    /// <summary>The <c>Cache-Control</c> of a public read.</summary>
    public static readonly string CacheControl = $"public, max-age={MaxAgeSeconds}";

    /// <summary>
    /// Makes these endpoints public reads: their <c>200</c>, <c>404</c> and <c>410</c> answers get
    /// <see cref="CacheControl"/> and an <c>ETag</c>, and <c>304</c> when <c>If-None-Match</c> names it. The ETag is the
    /// handler's own when it set one (a version it knows), otherwise a weak one made from the answer's bytes. An answer
    /// whose handler chose its own <c>Cache-Control</c> (<c>no-store</c> when the store could not be read) is left alone;
    /// so are other statuses (a 503 is never kept).
    /// </summary>
    public static TBuilder CacheAsPublicRead<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AnswersHead().AddEndpointFilter(static async (context, next) =>
        {
            var answer = await next(context);
            var method = context.HttpContext.Request.Method;
            return answer is IResult result && (HttpMethods.IsGet(method) || HttpMethods.IsHead(method)) ? new PublicRead(result) : answer;
        });

    /// <summary>The handler's answer, written to a buffer first so that its ETag can be known before anything is sent.</summary>
    private sealed class PublicRead(IResult answer) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            var response = httpContext.Response;
            var body = httpContext.Features.GetRequiredFeature<IHttpResponseBodyFeature>();
            using var buffer = new MemoryStream();
            var buffered = new StreamResponseBodyFeature(buffer);
            httpContext.Features.Set<IHttpResponseBodyFeature>(buffered);
            try
            {
                await answer.ExecuteAsync(httpContext);
                await buffered.CompleteAsync();
            }
            finally
            {
                httpContext.Features.Set(body);
            }

            var headers = response.Headers;
            if (response.StatusCode is StatusCodes.Status200OK or StatusCodes.Status404NotFound or StatusCodes.Status410Gone
                && StringValues.IsNullOrEmpty(headers.CacheControl))
            {
                headers.CacheControl = CacheControl;
                var tag = EntityTagHeaderValue.TryParse(headers.ETag.ToString(), out var given) ? given
                    : ProblemOf(answer) is { } problem ? WeakTagOf(problem)
                    : WeakTagOf(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
                headers.ETag = tag.ToString();
                if (StillHolds(httpContext.Request, tag))
                {
                    response.StatusCode = StatusCodes.Status304NotModified;
                    headers.ContentLength = null;
                    return;
                }
            }
            else if (response.StatusCode == StatusCodes.Status304NotModified && StringValues.IsNullOrEmpty(headers.CacheControl))
            {
                // The handler's own answer to a conditional request (a file result with its ETag): kept as long as a 200.
                headers.CacheControl = CacheControl;
            }

            if (buffer.Length > 0)
            {
                headers.ContentLength = buffer.Length;
                await response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), httpContext.RequestAborted);
            }
        }

        private static EntityTagHeaderValue WeakTagOf(ReadOnlySpan<byte> bytes)
        {
            var hash = SHA256.HashData(bytes);
            return new EntityTagHeaderValue($"\"{Convert.ToBase64String(hash, 0, 12).Replace('+', '-').Replace('/', '_')}\"", isWeak: true);
        }

        // A problem's body carries the request's own traceId, so its bytes differ on every request and a 404 could never be
        // answered 304: its tag is made of what it says instead (status, type, title, detail, extensions but the traceId).
        private static EntityTagHeaderValue WeakTagOf(ProblemDetails problem)
        {
            var said = new StringBuilder().Append(problem.Status).Append('\n').Append(problem.Type).Append('\n').Append(problem.Title).Append('\n').Append(problem.Detail);
            foreach (var (name, value) in problem.Extensions.Where(extension => extension.Key != "traceId").OrderBy(extension => extension.Key, StringComparer.Ordinal))
            {
                said.Append('\n').Append(name).Append('=').Append(value);
            }

            return WeakTagOf(Encoding.UTF8.GetBytes(said.ToString()));
        }

        private static ProblemDetails? ProblemOf(IResult answer) => answer switch
        {
            ProblemHttpResult problem => problem.ProblemDetails,
            INestedHttpResult nested => ProblemOf(nested.Result),
            _ => null,
        };

        // If-None-Match compares weakly (RFC 9110, 13.1.2): the same answer compressed or not is the same representation.
        private static bool StillHolds(HttpRequest request, EntityTagHeaderValue tag) =>
            EntityTagHeaderValue.TryParseList(request.Headers.IfNoneMatch, out var asked)
            && asked.Any(candidate => candidate.Equals(EntityTagHeaderValue.Any) || candidate.Compare(tag, useStrongComparison: false));
    }
}
