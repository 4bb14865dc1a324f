using LiveFeed.Contracts;
using LiveFeed.Feeds;
using LiveFeed.Feeds.Schedule;
using LiveFeed.Server.Newsroom;
using Microsoft.Extensions.Options;

namespace LiveFeed.Server.Schedule;

/// <summary>
/// Runs on every instance: claims the schedule's due items (<see cref="IScheduleStore.ClaimDueAsync"/>), publishes each
/// through the newsroom service (stored, then broadcast like any publish) and completes it. It sleeps until the next item
/// falls due or a lease runs out, at most <see cref="ScheduleOptions.PollInterval"/>, and is woken when this instance
/// schedules an item. Whichever instances are up publish, each item once: a claim is one instance's; a claimer that
/// dies leaves it to the next claim after its lease; and the publish's idempotency key (from the item's id) makes a
/// second attempt answer the first one's item with no new event.
/// </summary>
internal sealed class SchedulePublisher(
    IScheduleStore schedule,
    NewsroomService newsroom,
    TimeProvider time,
    IOptions<ScheduleOptions> options,
    ILogger<SchedulePublisher> logger) : BackgroundService
{
    private const int BatchSize = 20;

    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    private readonly ScheduleOptions _options = options.Value;
    private readonly SemaphoreSlim _wake = new(0, 1);

    /// <summary>Asks the schedule again now: an item was scheduled or moved on this instance.</summary>
    public void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already woken.
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var now = time.GetUtcNow().UtcDateTime;
            DateTime? next;
            try
            {
                var claims = await schedule.ClaimDueAsync(now, _options.ClaimLease, BatchSize, stoppingToken);
                await StallForTestsAsync(ScheduleStall.AfterClaim, claims.Items, stoppingToken);
                foreach (var item in claims.Items)
                {
                    await PublishAsync(item, stoppingToken);
                }

                next = claims.Items.Count == BatchSize ? now : claims.NextDue;
            }
            catch (FeedStoreUnavailableException exception)
            {
                ScheduleLog.ScheduleUnavailable(logger, exception);
                next = now + RetryDelay;
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // Never stop publishing for one bad round: what was claimed is claimed again after its lease.
                ScheduleLog.RoundFailed(logger, exception);
                next = now + RetryDelay;
            }

            await SleepAsync(now, next, stoppingToken);
        }
    }

    private async Task PublishAsync(ScheduledItem item, CancellationToken stoppingToken)
    {
        try
        {
            var result = await newsroom.PublishScheduledAsync(item, stoppingToken);
            await StallForTestsAsync(ScheduleStall.AfterPublish, [item], stoppingToken);
            await schedule.CompleteAsync(item, stoppingToken);
            ScheduleLog.WentOut(logger, item.Feed, item.Id, result.Item.PublishedAt - item.PublishAt);
        }
        catch (FeedStoreUnavailableException exception)
        {
            // Not completed: the item is claimed again (here or elsewhere) when its lease runs out.
            ScheduleLog.PublishFailed(logger, item.Feed, item.Id, exception);
        }
    }

    /// <summary>Stops here for good when the test-only <see cref="ScheduleOptions.StallForTests"/> says so.</summary>
    private async Task StallForTestsAsync(ScheduleStall point, IReadOnlyList<ScheduledItem> items, CancellationToken stoppingToken)
    {
        if (_options.StallForTests == point && items.Count > 0)
        {
            ScheduleLog.StallingForTests(logger, point, items.Count);
            await Task.Delay(Timeout.Infinite, stoppingToken);
        }
    }

    private async Task SleepAsync(DateTime now, DateTime? next, CancellationToken stoppingToken)
    {
        var delay = next is { } due ? due - now : _options.PollInterval;
        if (delay <= TimeSpan.Zero)
        {
            return;
        }

        try
        {
            using var sleep = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            var delayed = Task.Delay(delay < _options.PollInterval ? delay : _options.PollInterval, time, sleep.Token);
            await Task.WhenAny(delayed, _wake.WaitAsync(sleep.Token));
            await sleep.CancelAsync();
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
