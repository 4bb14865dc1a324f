using LiveFeed.Contracts;
using LiveFeed.Feeds.Schedule;

namespace LiveFeed.Feeds.InMemory;

/// <summary>
/// The single-instance schedule: items wait in this process and are lost when it stops (as the in-memory feed store's
/// items are). One lock makes every claim, cancel and replace atomic against the others.
/// </summary>
public sealed class InMemoryScheduleStore : IScheduleStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, ScheduledItem> _items = new(StringComparer.Ordinal);

    // Claimed items and when their lease runs out; an item is waiting when it is in _items and not here.
    private readonly Dictionary<string, DateTime> _leases = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Feed, string Key), (ScheduledItem Item, DateTime Expires)> _idempotency = [];

    /// <inheritdoc />
    public Task<ScheduleAddResult> AddAsync(ScheduledItem item, string? idempotencyKey, DateTime now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        lock (_lock)
        {
            if (idempotencyKey is not null)
            {
                if (_idempotency.TryGetValue((item.Feed, idempotencyKey), out var seen) && seen.Expires > now)
                {
                    return Task.FromResult(new ScheduleAddResult(_items.GetValueOrDefault(seen.Item.Id) ?? seen.Item, false));
                }

                _idempotency[(item.Feed, idempotencyKey)] = (item, now + Idempotency.Window);
                foreach (var expired in _idempotency.Where(entry => entry.Value.Expires <= now).Select(entry => entry.Key).ToList())
                {
                    _idempotency.Remove(expired);
                }
            }

            _items[item.Id] = item;
            return Task.FromResult(new ScheduleAddResult(item, true));
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<ScheduledItem>> ListAsync(string feed, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<ScheduledItem>>(_items.Values
                .Where(item => item.Feed == feed && !_leases.ContainsKey(item.Id))
                .OrderBy(item => item.PublishAt).ThenBy(item => item.Id, StringComparer.Ordinal)
                .ToList());
        }
    }

    /// <inheritdoc />
    public Task<ScheduledItem?> ReplaceAsync(ScheduledItem item, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        lock (_lock)
        {
            if (!IsWaiting(item.Feed, item.Id, out var current))
            {
                return Task.FromResult<ScheduledItem?>(null);
            }

            var replaced = item with { Author = current.Author };
            _items[item.Id] = replaced;
            return Task.FromResult<ScheduledItem?>(replaced);
        }
    }

    /// <inheritdoc />
    public Task<bool> CancelAsync(string feed, string id, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(IsWaiting(feed, id, out _) && _items.Remove(id));
        }
    }

    /// <inheritdoc />
    public Task<ScheduleClaims> ClaimDueAsync(DateTime now, TimeSpan lease, int max, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var due = _items.Values
                .Select(item => (Item: item, Due: _leases.TryGetValue(item.Id, out var expires) ? expires : item.PublishAt))
                .OrderBy(entry => entry.Due).ThenBy(entry => entry.Item.Id, StringComparer.Ordinal)
                .ToList();
            var claimed = due.TakeWhile(entry => entry.Due <= now).Take(max).Select(entry => entry.Item).ToList();
            foreach (var item in claimed)
            {
                _leases[item.Id] = now + lease;
            }

            var next = due.Skip(claimed.Count).Select(entry => (DateTime?)entry.Due).FirstOrDefault();
            if (claimed.Count > 0 && (next is null || now + lease < next))
            {
                next = now + lease;
            }

            return Task.FromResult(new ScheduleClaims(claimed, next));
        }
    }

    /// <inheritdoc />
    public Task CompleteAsync(ScheduledItem item, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        lock (_lock)
        {
            if (_leases.Remove(item.Id))
            {
                _items.Remove(item.Id);
            }

            return Task.CompletedTask;
        }
    }

    private bool IsWaiting(string feed, string id, out ScheduledItem item) =>
        _items.TryGetValue(id, out item!) && item.Feed == feed && !_leases.ContainsKey(id);
}
