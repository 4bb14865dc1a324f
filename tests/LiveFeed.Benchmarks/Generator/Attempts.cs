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

    public void Failure(string outcome) => _failures.AddOrUpdate(outcome, 1, (_, count) => count + 1);
}

/// <summary>
/// Opens a reader as a real one would in a surge: attempt, and on a refusal wait and attempt again until it is
/// subscribed or the surge's deadline passes. A refusal with <c>Retry-After</c> (429, 503) waits that long plus up
/// to half as much again at random (jitter, so that refused readers do not all come back at once); any other failure
/// waits as LiveFeed's reader page does between reconnects (clients/web/src/feed-connection.js: 1, 2, 3, 5 s, then
/// 5-10 s). The first attempt is immediate, as the page's automatic reconnect's is.
/// </summary>
internal static class RetryingOpen
{
    /// <summary>One attempt's limit (connect, handshake, Subscribe's answer): the SignalR clients' handshake timeout.</summary>
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(15);

    private static readonly TimeSpan[] PageDelays = [TimeSpan.Zero, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(5)];

    /// <summary>
    /// Answers when the reader subscribed (a <see cref="Stopwatch"/> timestamp), or null when the deadline passed first.
    /// With <paramref name="inFlight"/>, an attempt waits for one of its slots (a reader waiting to retry holds none).
    /// </summary>
    public static async Task<long?> OpenAsync(
        LeanReader reader, Uri uri, HttpMessageInvoker invoker, string feed, AttemptLog log, CancellationToken deadline, SemaphoreSlim? inFlight = null)
    {
        for (var failures = 0; !deadline.IsCancellationRequested; failures++)
        {
            TimeSpan? retryAfter;
            using (var attempt = CancellationTokenSource.CreateLinkedTokenSource(deadline))
            {
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

                log.Attempted(retry: failures > 0);
                attempt.CancelAfter(AttemptTimeout);
                try
                {
                    await reader.OpenAsync(uri, invoker, feed, attempt.Token);
                    return Stopwatch.GetTimestamp();
                }
                catch (AttemptFailedException refused)
                {
                    log.Failure(refused.Outcome);
                    retryAfter = refused.RetryAfter;
                }
                catch (OperationCanceledException) when (!deadline.IsCancellationRequested)
                {
                    log.Failure(AttemptOutcomes.Timeout);
                    retryAfter = null;
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

            reader.Abort();
            try
            {
                await Task.Delay(Delay(failures + 1, retryAfter), deadline);
            }
            catch (OperationCanceledException)
            {
                return null;
            }
        }

        return null;
    }

    private static TimeSpan Delay(int failures, TimeSpan? retryAfter) =>
        retryAfter is { } wait
            ? wait * (1 + (Random.Shared.NextDouble() / 2))
            : failures < PageDelays.Length ? PageDelays[failures] : TimeSpan.FromSeconds(5 + (Random.Shared.NextDouble() * 5));
}
