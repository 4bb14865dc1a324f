namespace LiveFeed.Server.Hosting;

/// <summary><c>HEAD</c> for the <c>GET</c> endpoints (the public reads take it through <c>CacheAsPublicRead</c>).</summary>
internal static class HeadRequests
{
    /// <summary>
    /// Lets these <c>GET</c> endpoints answer <c>HEAD</c> too, as every HTTP server must (RFC 9110, 9.1), and as the
    /// CORS policy of the public reads says they do: the same status and headers (<c>ETag</c>, <c>Cache-Control</c>,
    /// <c>Content-Length</c>, a <c>304</c> to <c>If-None-Match</c>), no body (Kestrel drops what the handler writes).
    /// A CDN or a link checker asks with it. Not for streams: a <c>HEAD</c> would hold a reader's place open.
    /// </summary>
    public static TBuilder AnswersHead<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
    {
        // Routing takes an endpoint's last method metadata: this one adds HEAD beside the GET it was mapped with.
        builder.Finally(static endpoint =>
        {
            if (endpoint.Metadata.OfType<IHttpMethodMetadata>().LastOrDefault() is { } methods
                && methods.HttpMethods.Contains(HttpMethods.Get) && !methods.HttpMethods.Contains(HttpMethods.Head))
            {
                endpoint.Metadata.Add(new HttpMethodMetadata([.. methods.HttpMethods, HttpMethods.Head], methods.AcceptCorsPreflight));
            }
        });
        return builder;
    }
}
