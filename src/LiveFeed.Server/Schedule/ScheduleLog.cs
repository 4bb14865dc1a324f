namespace LiveFeed.Server.Schedule;

internal static partial class ScheduleLog
{
    [LoggerMessage(80, LogLevel.Information, "Scheduled {Feed} item {ItemId} for {PublishAt:o} by {Author}")]
    public static partial void Scheduled(ILogger logger, string feed, string itemId, DateTime publishAt, string author);

    [LoggerMessage(81, LogLevel.Information, "Rescheduled {Feed} item {ItemId} for {PublishAt:o} by {Author}")]
    public static partial void Rescheduled(ILogger logger, string feed, string itemId, DateTime publishAt, string author);

    [LoggerMessage(82, LogLevel.Information, "Cancelled scheduled {Feed} item {ItemId} by {Author}")]
    public static partial void Cancelled(ILogger logger, string feed, string itemId, string author);

    [LoggerMessage(83, LogLevel.Information, "Scheduled {Feed} item {ItemId} went out {Late} after its time")]
    public static partial void WentOut(ILogger logger, string feed, string itemId, TimeSpan late);

    [LoggerMessage(84, LogLevel.Warning, "Could not publish scheduled {Feed} item {ItemId}; it is claimed again when its lease runs out")]
    public static partial void PublishFailed(ILogger logger, string feed, string itemId, Exception exception);

    [LoggerMessage(85, LogLevel.Warning, "The schedule cannot be read; asking again shortly")]
    public static partial void ScheduleUnavailable(ILogger logger, Exception exception);

    [LoggerMessage(87, LogLevel.Error, "Publishing due scheduled items failed; trying again shortly")]
    public static partial void RoundFailed(ILogger logger, Exception exception);

    [LoggerMessage(86, LogLevel.Warning, "Stalling {Point} with {Count} scheduled items, as Schedule:StallForTests asks (a test setting)")]
    public static partial void StallingForTests(ILogger logger, ScheduleStall point, int count);
}
