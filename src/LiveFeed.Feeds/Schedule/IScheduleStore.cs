using LiveFeed.Contracts;

namespace LiveFeed.Feeds.Schedule;

/// <summary>
/// Where scheduled items wait for their time, shared by every instance that shares the feed store. Every implementation
/// passes the same contract test suite (<c>ScheduleStoreContractTests</c>) and guarantees:
/// <list type="bullet">
/// <item>An item is <em>waiting</em> from <see cref="AddAsync"/> until it is claimed or cancelled. Only waiting items are
/// listed, replaced or cancelled.</item>
/// <item><see cref="ClaimDueAsync"/> takes due items (waiting ones whose time has come, and claimed ones whose lease has
/// run out) in one atomic step: of any number of instances claiming at once, one gets each item, for one lease.</item>
/// <item>A claim and a cancel are atomic against each other: a cancel that answers true was made while the item was
/// waiting, and no claim ever gets it after; a claimed item can no longer be cancelled.</item>
/// <item>A claimed item stays in the store until <see cref="CompleteAsync"/>: a claimer that dies before completing
/// leaves it to be claimed again once its lease has run out. Claiming is therefore at least once; the publisher makes
/// it exactly once by publishing under an idempotency key derived from the item's id.</item>
/// <item>When the store cannot be reached a method throws <see cref="FeedStoreUnavailableException"/>.</item>
/// </list>
/// Times are the caller's clock (<see cref="TimeProvider"/>), in UTC. Content is validated by the caller.
/// </summary>
public interface IScheduleStore
{
    /// <summary>
    /// Stores a waiting item. With an <paramref name="idempotencyKey"/> already used for a scheduled item on this feed within
    /// <see cref="Idempotency.Window"/>, stores nothing and answers that item as it stands (or as first stored once it left
    /// the schedule); <see cref="ScheduleAddResult.Added"/> is then false.
    /// </summary>
    Task<ScheduleAddResult> AddAsync(ScheduledItem item, string? idempotencyKey, DateTime now, CancellationToken cancellationToken);

    /// <summary>The feed's waiting items, soonest first.</summary>
    Task<IReadOnlyList<ScheduledItem>> ListAsync(string feed, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces a waiting item's content and time (its id, feed and author stay) and answers it as stored; null, and
    /// nothing changed, when the feed has no such waiting item (unknown, cancelled, claimed or published).
    /// </summary>
    Task<ScheduledItem?> ReplaceAsync(ScheduledItem item, CancellationToken cancellationToken);

    /// <summary>Cancels a waiting item: true when it was waiting, and then it is never claimed; false otherwise.</summary>
    Task<bool> CancelAsync(string feed, string id, CancellationToken cancellationToken);

    /// <summary>
    /// Claims up to <paramref name="max"/> items due at <paramref name="now"/> for <paramref name="lease"/>, soonest first,
    /// and says when the next item falls due (or a lease runs out), so the caller knows when to ask again.
    /// </summary>
    Task<ScheduleClaims> ClaimDueAsync(DateTime now, TimeSpan lease, int max, CancellationToken cancellationToken);

    /// <summary>Removes a claimed item once it is published. Completing an item already completed does nothing.</summary>
    Task CompleteAsync(ScheduledItem item, CancellationToken cancellationToken);
}

/// <summary>The answer of <see cref="IScheduleStore.AddAsync"/>.</summary>
/// <param name="Item">The item stored, or the one the idempotency key answers.</param>
/// <param name="Added">False when the idempotency key answered an earlier item.</param>
public sealed record ScheduleAddResult(ScheduledItem Item, bool Added);

/// <summary>The answer of <see cref="IScheduleStore.ClaimDueAsync"/>.</summary>
/// <param name="Items">The items claimed, soonest first.</param>
/// <param name="NextDue">When the next waiting item falls due or the next lease runs out; null when nothing is scheduled.</param>
public sealed record ScheduleClaims(IReadOnlyList<ScheduledItem> Items, DateTime? NextDue);
