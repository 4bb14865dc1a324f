namespace LiveFeed.Server.Limits;

/// <summary>The hub connections open on this instance, against <see cref="LimitsOptions.MaxReaderConnections"/>.</summary>
internal sealed class ReaderConnections
{
    private int _count;

    public int Count => Volatile.Read(ref _count);

    /// <summary>Counts one more connection, unless that would pass <paramref name="max"/>.</summary>
    public bool TryAdd(int max)
    {
        while (true)
        {
            var count = Volatile.Read(ref _count);
            if (count >= max)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _count, count + 1, count) == count)
            {
                return true;
            }
        }
    }

    public void Remove() => Interlocked.Decrement(ref _count);
}
