using System.Collections.Concurrent;
using System.Diagnostics;

namespace LiveFeed.Benchmarks.Generator;

/// <summary>Why one attempt to open a reader failed: an HTTP status (with its Retry-After), or a kind of failure.</summary>
internal sealed class AttemptFailedException(string outcome, TimeSpan? retryAfter, string message) : Exception(message)
{
    /// <summary>"429", "503" (any HTTP status), or one of <see cref="AttemptOutcomes"/>.</summary>
    public string Outcome { get; } = outcome;

    public TimeSpan? RetryAfter { get; } = retryAfter;
}

/// <summary>The failed attempts that are not an HTTP status.</summary>
internal static class AttemptOutcomes
{
    /// <summary>Connect, handshake and Subscribe did not finish within <see cref="RetryingOpen.AttemptTimeout"/>.</summary>
    public const string Timeout = "timeout";

    /// <summary>Nothing listens (TCP refused): the instance is down or not started yet.</summary>
    public const string Refused = "refused";

    /// <summary>The connection was closed or reset before Subscribe answered.</summary>
    public const string Closed = "closed";

    /// <summary>The hub refused: the handshake, or Subscribe answered an error, or the hub closed the connection.</summary>
    public const string HubError = "hub-error";

    public static string Of(string failure) =>
        failure.StartsWith("Subscribe failed", StringComparison.Ordinal)
        || failure.StartsWith("handshake refused", StringComparison.Ordinal)
        || failure.StartsWith("the server closed the hub connection", StringComparison.Ordinal)
            ? HubError
            : Closed;
}

/// <summary>Every attempt of a surge's readers: how many, and how the failed ones failed.</summary>
internal sealed class AttemptLog
{
    private readonly ConcurrentDictionary<string, int> _failures = new();
    private readonly ConcurrentDictionary<string, string> _examples = new();
    private int _attempts;
    private int _retries;

    public int Attempts => Volatile.Read(ref _attempts);

    /// <summary>Attempts after a reader's first.</summary>
    public int Retries => Volatile.Read(ref _retries);

    /// <summary>Failed attempts by outcome ("429", "503", "timeout", ...).</summary>
    public IReadOnlyDictionary<string, int> Failures => new SortedDictionary<string, int>(_failures, StringComparer.Ordinal);

    public int Failed => _failures.Values.Sum();

    public void Attempted(bool retry)
    {
        Interlocked.Increment(ref _attempts);
        if (retry)
        {
            Interlocked.Increment(ref _retries);
        }
    }

    /// <summary>The first failure's message of each outcome (what a hub error said, for one).</summary>
    public IReadOnlyDictionary<string, string> Examples => new SortedDictionary<string, string>(_examples, StringComparer.Ordinal);

    public void Failure(string outcome, string message)
    {
        _failures.AddOrUpdate(outcome, 1, (_, count) => count + 1);
        _examples.TryAdd(outcome, message.Length <= 300 ? message : message[..300]);
    }
}

/// <summary>
/// Opens a reader as a real one would in a surge: attempt, and on a failure wait and attempt again until it is
/// subscribed or the surge's deadline passes. The waits are LiveFeed's clients' (clients/web/src/reconnect-policy.js,
/// and LiveFeed.Client's ReconnectPolicy): exponential backoff with full jitter, the n-th wait in a row (from 0) a
/// uniformly random time between 0 and min(30 s, 1 s x 2^n), and never sooner than a 429's or 503's Retry-After
/// asks. A new reader's first attempt is immediate; a reader whose connection was lost waits before its first.
/// </summary>
internal static class RetryingOpen
{
    /// <summary>One attempt's limit (connect, handshake, Subscribe's answer): the SignalR clients' handshake timeout.</summary>
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(15);

    private static readonly TimeSpan FirstDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Answers when the reader subscribed (a <see cref="Stopwatch"/> timestamp), or null when the deadline passed first.
    /// <paramref name="reconnect"/>: the reader lost its connection (it waits before its first attempt). With
    /// <paramref name="inFlight"/>, an attempt waits for one of its slots (a reader waiting to retry holds none).
    /// </summary>
    public static async Task<long?> OpenAsync(
        LeanReader reader, Uri uri, HttpMessageInvoker invoker, string feed, AttemptLog log, CancellationToken deadline,
        bool reconnect = false, SemaphoreSlim? inFlight = null)
    {
        var notBefore = 0L;
        for (var waits = 0; !deadline.IsCancellationRequested; waits++)
        {
            if (reconnect || waits > 0)
            {
                reader.Abort();
                try
                {
                    await Task.Delay(Delay(reconnect ? waits : waits - 1, notBefore), deadline);
                }
                catch (OperationCanceledException)
                {
                    return null;
                }
            }

            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(deadline);
            try
            {
                if (inFlight is not null)
                {
                    await inFlight.WaitAsync(deadline);
                }
            }
            catch (OperationCanceledException)
            {
                return null;
            }

            log.Attempted(retry: waits > 0);
            attempt.CancelAfter(AttemptTimeout);
            try
            {
                await reader.OpenAsync(uri, invoker, feed, attempt.Token);
                return Stopwatch.GetTimestamp();
            }
            catch (AttemptFailedException refused)
            {
                log.Failure(refused.Outcome, refused.Message);
                if (refused.RetryAfter is { } wait)
                {
                    notBefore = Math.Max(notBefore, Stopwatch.GetTimestamp() + (long)(wait.TotalSeconds * Stopwatch.Frequency));
                }
            }
            catch (OperationCanceledException) when (!deadline.IsCancellationRequested)
            {
                log.Failure(AttemptOutcomes.Timeout, $"no answer to Subscribe within {AttemptTimeout.TotalSeconds} s");
            }
            catch (OperationCanceledException)
            {
                return null;
            }
            finally
            {
                inFlight?.Release();
            }
        }

        return null;
    }

    /// <summary>The <paramref name="wait"/>-th wait in a row (from 0), not ending before <paramref name="notBefore"/> (a timestamp).</summary>
    private static TimeSpan Delay(int wait, long notBefore)
    {
        var ceiling = Math.Min(MaxDelay.TotalMilliseconds, FirstDelay.TotalMilliseconds * Math.Pow(2, Math.Min(wait, 30)));
        var jittered = TimeSpan.FromMilliseconds(ceiling * Random.Shared.NextDouble());
        var asked = notBefore == 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), notBefore);
        return asked > jittered ? asked : jittered;
    }
}
