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

    /// <summary>Other sites see the origin of a link followed from here, never its path or query.</summary>
    public const string ReferrerPolicy = "strict-origin-when-cross-origin";
}
