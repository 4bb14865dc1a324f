using System.Globalization;

namespace LiveFeed.Tests.Pages;

/// <summary>How the rendered pages write a time: <c>datetime</c> (and JSON-LD) values, and the UTC text readers see.</summary>
internal static class RenderedTimes
{
    /// <summary>The text of a time on a rendered page (before a script puts it in the reader's zone): "27 Nov 2026, 14:49 UTC".</summary>
    public const string Utc = "d MMM yyyy, HH:mm 'UTC'";

    /// <summary>A <c>datetime</c> attribute's value: ISO 8601, UTC, milliseconds, Z.</summary>
    public static string Iso(DateTime time) => time.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
