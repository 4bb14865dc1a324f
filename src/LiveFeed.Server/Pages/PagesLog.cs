namespace LiveFeed.Server.Pages;

internal static partial class PagesLog
{
    [LoggerMessage(70, LogLevel.Warning, "The browser pages are missing from {PagesRoot}: / and /newsroom answer 404. Build the server with npm on the PATH")]
    public static partial void PagesMissing(ILogger logger, string pagesRoot);
}
