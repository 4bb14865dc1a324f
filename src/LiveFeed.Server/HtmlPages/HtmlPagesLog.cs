namespace LiveFeed.Server.HtmlPages;

internal static partial class HtmlPagesLog
{
    [LoggerMessage(71, LogLevel.Warning, "The feed store cannot be reached: {Page} of {Feed} went out without its items (the script reads them)")]
    public static partial void RenderedWithoutItems(ILogger logger, string page, string feed, Exception exception);
}
