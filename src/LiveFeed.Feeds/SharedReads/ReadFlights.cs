namespace LiveFeed.Feeds.SharedReads;

/// <summary>
/// Concurrent reads with the same key share one call to the store (single flight), without ever answering a read with
/// what was read before it began. Per key there is at most one read in flight and one waiting to start:
/// <list type="bullet">
/// <item>A call joins the read that has not started yet (making it if there is none), never one already in flight: so
/// every read that answers a call starts after that call began, and its answer is exactly what a read of the call's own
/// would have answered at that moment (a Subscribe that joined its group first misses no event).</item>
/// <item>The waiting read starts as soon as the one in flight ends, with every call that joined it meanwhile: one read
/// per key per store round trip, however many calls come.</item>
/// <item>A failed read fails every call it was for; a call that is cancelled stops waiting, and the read and the other
/// calls go on. A read the store has not answered within <paramref name="timeout"/> fails its calls with
/// <see cref="FeedStoreUnavailableException"/> and the next one starts: no call waits longer than two of them.</item>
/// </list>
/// </summary>
/// <param name="read">Answers the requests of one read, answer <c>i</c> for request <c>i</c>.</param>
/// <param name="timeout">How long a read may take before its calls are answered that the store cannot be reached.</param>
/// <param name="time">The clock of <paramref name="timeout"/>.</param>
internal sealed class ReadFlights<TKey, TRequest, TResult>(
    Func<TKey, IReadOnlyList<TRequest>, Task<IReadOnlyList<TResult>>> read, TimeSpan timeout, TimeProvider time)
    where TKey : notnull
{
    private readonly Dictionary<TKey, Line> _lines = [];

    /// <summary>The answer to <paramref name="request"/>, from a read of <paramref name="key"/> that starts after this call began.</summary>
    public async Task<TResult> ReadAsync(TKey key, TRequest request, CancellationToken cancellationToken)
    {
        Flight flight;
        int index;
        bool start;
        lock (_lines)
        {
            if (!_lines.TryGetValue(key, out var line))
            {
                _lines[key] = line = new Line();
            }

            flight = line.Waiting ??= new Flight();
            index = flight.Requests.Count;
            flight.Requests.Add(request);
            start = line.InFlight is null;
            if (start)
            {
                (line.InFlight, line.Waiting) = (flight, null);
            }
        }

        if (start)
        {
            _ = FlyAsync(key, flight);
        }

        return (await flight.Answers.Task.WaitAsync(cancellationToken))[index];
    }

    /// <summary>Runs <paramref name="flight"/>, then each read that waited for it, until none waits.</summary>
    private async Task FlyAsync(TKey key, Flight? flight)
    {
        while (flight is not null)
        {
            Task<IReadOnlyList<TResult>>? reading = null;
            try
            {
                reading = read(key, flight.Requests);
                flight.Answers.SetResult(await reading.WaitAsync(timeout, time));
            }
            catch (TimeoutException exception) when (reading is { IsCompleted: false })
            {
                flight.Answers.SetException(new FeedStoreUnavailableException(
                    $"The feed store did not answer a read within {timeout.TotalSeconds:0} s.", exception));
            }
            catch (Exception exception)
            {
                flight.Answers.SetException(exception);
            }

            lock (_lines)
            {
                var line = _lines[key];
                (line.InFlight, line.Waiting) = (line.Waiting, null);
                flight = line.InFlight;
                if (flight is null)
                {
                    _lines.Remove(key);
                    return;
                }
            }

            // A store that answers at once (in memory) runs this loop on the first caller's thread: hand the next
            // reads to the thread pool, so that this caller is not kept serving others for as long as they come.
            await Task.Yield();
        }
    }

    /// <summary>One key's reads: the one in flight (no call joins it any more) and the one waiting to start.</summary>
    private sealed class Line
    {
        public Flight? InFlight { get; set; }

        public Flight? Waiting { get; set; }
    }

    /// <summary>One read: the requests of the calls it answers (fixed once it starts) and their answers.</summary>
    private sealed class Flight
    {
        public List<TRequest> Requests { get; } = [];

        // Callers continue on the thread pool, not on the loop that starts the next read.
        public TaskCompletionSource<IReadOnlyList<TResult>> Answers { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
