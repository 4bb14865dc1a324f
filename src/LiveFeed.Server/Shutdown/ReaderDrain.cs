using System.Collections.Concurrent;
using System.Diagnostics;
using LiveFeed.Server.Logging;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace LiveFeed.Server.Shutdown;

/// <summary>
/// Lets a stopping instance's readers go a few at a time instead of all in one instant.
/// <para>
/// Every reader is known here while it lives: each hub connection (<see cref="Track(ConnectionDelegate)"/>) and each
/// Server-Sent Events stream (<see cref="Track(string, Action)"/>). Once <see cref="DrainAsync"/> begins, the
/// instance is draining: readiness answers 503 (so load balancers and orchestrators stop sending readers) and new
/// readers are refused with 503 and <c>Retry-After</c> (<see cref="ShutdownHosting"/>). Then each open reader is
/// asked to close, at evenly spread moments over the drain window. For a hub connection asking is SignalR's own
/// graceful close (<see cref="IConnectionLifetimeNotificationFeature.RequestClose"/>): the hub sends the reader a
/// close message that allows it to reconnect, then ends the transport properly (a WebSocket with its close
/// handshake, a Server-Sent Events response ended, a long poll answered); a stream ends its response. The reader
/// reconnects - to another instance behind the load balancer - and resumes from its position, so it misses nothing.
/// </para>
/// <para>
/// The drain ends when the last reader has gone or the window has ended, whichever is first. Requests other than
/// new hub connections (the newsroom's writes among them) are served throughout.
/// </para>
/// </summary>
internal sealed class ReaderDrain(ILogger<ReaderDrain> logger)
{
    // How often the drain wakes to close the readers whose moment has come: small against any useful window.
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(50);

    // Each open reader's way to ask it to close, by reader id: its hub connection itself, or what a stream gave. (A
    // connection is kept as it is, not in a closure: that would be one more object per reader.)
    private readonly ConcurrentDictionary<string, object> _open = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _allGone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _draining;

    /// <summary>True from the moment the drain begins: this instance takes no new readers.</summary>
    public bool IsDraining => Volatile.Read(ref _draining) != 0;

    /// <summary>Readers open on this instance: hub connections and streams.</summary>
    public int OpenReaders => _open.Count;

    /// <summary>
    /// Keeps a reader known until the answer is disposed; <paramref name="close"/> asks it to close (it must not wait).
    /// A reader that arrives while the instance drains is asked at once.
    /// </summary>
    public IDisposable Track(string readerId, Action close)
    {
        Open(readerId, close);
        return new Tracked(this, readerId);
    }

    /// <summary>Keeps every hub connection known for as long as it lives, its transport's close included.</summary>
    public ConnectionDelegate Track(ConnectionDelegate next) => async connection =>
    {
        Open(connection.ConnectionId, connection);
        try
        {
            await next(connection);
        }
        finally
        {
            // The hub is done with the reader, but its transport may still be closing (a WebSocket sends its close
            // frame and waits for the reader's). It counts as gone once that is over too, so that a drain never ends,
            // and lets the host cut what is left, before the last close frames are out.
            if (connection.ConnectionClosed.IsCancellationRequested)
            {
                Forget(connection.ConnectionId);
            }
            else
            {
                connection.ConnectionClosed.UnsafeRegister(
                    static state =>
                    {
                        var (drain, connectionId) = ((ReaderDrain, string))state!;
                        drain.Forget(connectionId);
                    },
                    (this, connection.ConnectionId));
            }
        }
    };

    private void Open(string readerId, object close)
    {
        _open[readerId] = close;
        if (IsDraining)
        {
            Close(readerId);
        }
    }

    private void Forget(string readerId)
    {
        _open.TryRemove(readerId, out _);
        if (IsDraining && _open.IsEmpty)
        {
            _allGone.TrySetResult();
        }
    }

    /// <summary>
    /// Asks every open reader to close, spread evenly over <paramref name="window"/>, and returns when the last one
    /// has gone or the window has ended. Runs once: a second call returns at once.
    /// </summary>
    public async Task DrainAsync(TimeSpan window)
    {
        if (Interlocked.Exchange(ref _draining, 1) != 0)
        {
            return;
        }

        var clock = Stopwatch.StartNew();
        var readers = _open.Keys.ToArray();
        LiveFeedLog.DrainStarted(logger, readers.Length, window);
        if (_open.IsEmpty)
        {
            _allGone.TrySetResult();
        }

        // The closes are spread over the first nine tenths of the window, so that the last readers asked have time
        // to finish their close handshake before the window ends.
        var spread = window * 0.9;
        var asked = 0;
        while (asked < readers.Length && !_allGone.Task.IsCompleted)
        {
            // Reader i is asked at spread * i / n: the first at once, the rest evenly after it.
            var due = spread <= TimeSpan.Zero
                ? readers.Length
                : (int)Math.Min(readers.Length, Math.Floor(clock.Elapsed.Ticks * (double)readers.Length / spread.Ticks) + 1);
            for (; asked < due; asked++)
            {
                Close(readers[asked]);
            }

            if (asked < readers.Length)
            {
                await Task.WhenAny(_allGone.Task, Task.Delay(Tick));
            }
        }

        var left = window - clock.Elapsed;
        if (left > TimeSpan.Zero)
        {
            await Task.WhenAny(_allGone.Task, Task.Delay(left));
        }

        LiveFeedLog.DrainEnded(logger, asked, _open.Count, clock.Elapsed);
    }

    private void Close(string readerId)
    {
        // Not when it left on its own meanwhile.
        switch (_open.GetValueOrDefault(readerId))
        {
            case ConnectionContext connection:
                Close(connection);
                break;
            case Action close:
                close();
                break;
        }
    }

    private static void Close(ConnectionContext connection)
    {
        if (connection.Features.Get<IConnectionLifetimeNotificationFeature>() is { } lifetime)
        {
            lifetime.RequestClose();
        }
        else
        {
            connection.Abort(new ConnectionAbortedException("The server is shutting down."));
        }
    }

    private sealed class Tracked(ReaderDrain drain, string readerId) : IDisposable
    {
        public void Dispose() => drain.Forget(readerId);
    }
}
