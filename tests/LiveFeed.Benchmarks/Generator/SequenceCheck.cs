namespace LiveFeed.Benchmarks.Generator;

/// <summary>
/// One reader's view of a feed's sequences: which arrived, how often, in what order. An event whose
/// sequence was seen before is a duplicate; one below the highest seen (and new) arrived out of order;
/// one never seen is lost. A reader that joins a feed with events already in it starts after the position
/// its first page gave it (<see cref="Begin"/>).
/// </summary>
internal sealed class SequenceCheck
{
    private ulong[] _seen = new ulong[4];
    private long _highest;
    private long _first = 1;
    private bool _begun;

    /// <summary>The highest sequence received (or the position it began after).</summary>
    public long Highest => _highest;

    public int Distinct { get; private set; }

    public int Duplicates { get; private set; }

    public int OutOfOrder { get; private set; }

    /// <summary>The reader's first position: it is owed the events after <paramref name="after"/> only. Once; later calls do nothing.</summary>
    public void Begin(long after)
    {
        if (_begun)
        {
            return;
        }

        _begun = true;
        _first = after + 1;
        _highest = Math.Max(_highest, after);
    }

    /// <summary>Records <paramref name="sequence"/>; false when it was a duplicate.</summary>
    public bool Accept(long sequence)
    {
        var word = (int)(sequence >> 6);
        if (word >= _seen.Length)
        {
            Array.Resize(ref _seen, Math.Max(word + 1, _seen.Length * 2));
        }

        var bit = 1UL << (int)(sequence & 63);
        if ((_seen[word] & bit) != 0)
        {
            Duplicates++;
            return false;
        }

        _seen[word] |= bit;
        Distinct++;
        if (sequence < _highest)
        {
            OutOfOrder++;
        }
        else
        {
            _highest = sequence;
        }

        return true;
    }

    /// <summary>How many of the sequences from the first owed (1 unless <see cref="Begin"/> said) to <paramref name="last"/> never arrived.</summary>
    public int MissingUpTo(long last)
    {
        var missing = 0;
        for (var sequence = _first; sequence <= last; sequence++)
        {
            var word = (int)(sequence >> 6);
            if (word >= _seen.Length || (_seen[word] & (1UL << (int)(sequence & 63))) == 0)
            {
                missing++;
            }
        }

        return missing;
    }
}
