using System.Globalization;

namespace LiveFeed.Server.HtmlPages;

/// <summary>
/// How a rendered page writes a time. The server does not know the reader's time zone, so the text is UTC with
/// its date; the page's script rewrites it in the reader's own time and language (clients/web/src/feed-view.js).
/// </summary>
internal static class PageTimes
{
    /// <summary>The machine-readable form (<c>&lt;time datetime&gt;</c>, JSON-LD): ISO 8601 in UTC, milliseconds, Z.</summary>
    public static string Iso(DateTime time) => time.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>"27 Nov 2026, 14:49 UTC".</summary>
    public static string Short(DateTime time) => time.ToString("d MMM yyyy, HH:mm 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>"Friday 27 November 2026, 14:49:03 UTC".</summary>
    public static string Full(DateTime time) => time.ToString("dddd d MMMM yyyy, HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);
}
