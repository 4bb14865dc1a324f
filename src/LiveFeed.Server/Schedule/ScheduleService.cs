using LiveFeed.Contracts;
using LiveFeed.Feeds;
using LiveFeed.Feeds.Schedule;
using LiveFeed.Server.Newsroom;

namespace LiveFeed.Server.Schedule;

/// <summary>Schedules, replaces and cancels items for the API; <see cref="SchedulePublisher"/> publishes them at their time.</summary>
internal sealed class ScheduleService(IScheduleStore schedule, SchedulePublisher publisher, NewsroomService newsroom, ILogger<ScheduleService> logger)
{
    /// <summary>The server's time, as items' timestamps have it (UTC, milliseconds): what <c>publishAt</c> is checked against.</summary>
    public DateTime Now() => newsroom.Now();

    /// <summary>Stores a new scheduled item; with an idempotency key used before on the feed, answers that one instead.</summary>
    public async Task<ScheduleAddResult> ScheduleAsync(string feed, ItemContent content, DateTime publishAt, string author, string? idempotencyKey, CancellationToken cancellationToken)
    {
        var item = ToScheduledItem(newsroom.NewId(), feed, content, publishAt, author);
        var result = await schedule.AddAsync(item, idempotencyKey, Now(), cancellationToken);
        if (result.Added)
        {
            ScheduleLog.Scheduled(logger, feed, item.Id, publishAt, author);
            publisher.Wake();
        }

        return result;
    }

    /// <summary>Replaces a waiting item's content and time; null when the feed has no such waiting item.</summary>
    public async Task<ScheduledItem?> ReplaceAsync(string feed, string id, ItemContent content, DateTime publishAt, string editor, CancellationToken cancellationToken)
    {
        var replaced = await schedule.ReplaceAsync(ToScheduledItem(id, feed, content, publishAt, editor), cancellationToken);
        if (replaced is not null)
        {
            ScheduleLog.Rescheduled(logger, feed, id, publishAt, editor);
            publisher.Wake();
        }

        return replaced;
    }

    /// <summary>Cancels a waiting item: true when it was waiting, and then it never goes out.</summary>
    public async Task<bool> CancelAsync(string feed, string id, string editor, CancellationToken cancellationToken)
    {
        var cancelled = await schedule.CancelAsync(feed, id, cancellationToken);
        if (cancelled)
        {
            ScheduleLog.Cancelled(logger, feed, id, editor);
        }

        return cancelled;
    }

    /// <summary>The feed's waiting items, soonest first.</summary>
    public Task<IReadOnlyList<ScheduledItem>> ListAsync(string feed, CancellationToken cancellationToken) => schedule.ListAsync(feed, cancellationToken);

    private static ScheduledItem ToScheduledItem(string id, string feed, ItemContent content, DateTime publishAt, string author) => new()
    {
        Id = id,
        Feed = feed,
        PublishAt = publishAt,
        Headline = content.Headline,
        Body = content.Body,
        Priority = content.Priority,
        Tags = content.Tags,
        Link = content.Link,
        Pinned = content.Pinned,
        KeyEvent = content.KeyEvent,
        Author = author,
    };
}
