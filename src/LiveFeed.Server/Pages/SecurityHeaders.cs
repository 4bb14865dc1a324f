namespace LiveFeed.Server.Pages;

/// <summary>The security headers every answer carries.</summary>
internal static class SecurityHeaders
{
    /// <summary>
    /// Scripts and styles come only from this server's files (no inline script, no inline style
    /// attribute); connections only to this server (the hub, the API); no plugins, no framing.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
        + "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>
    /// The API reference at <c>/docs</c> (Scalar, served from this server) runs inline scripts and styles and
    /// <c>eval</c>; it gets them, on that path only. It shows no feed content, so nothing there comes from an editor.
    /// </summary>
    public const string ApiDocsContentSecurityPolicy =
        "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
        + "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
        + "form-action 'self'; frame-ancestors 'none'";

    /// <summary>Other sites see the origin of a link followed from here, never its path or query.</summary>
    public const string ReferrerPolicy = "strict-origin-when-cross-origin";
}
