using System.Diagnostics;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.Options;

namespace LiveFeed.Server.Hubs;

/// <summary>
/// Which of SignalR's keep-alive pings a WebSocket reader's <see cref="ReaderOutbox"/> leaves out: those to a reader
/// that was sent an event moments ago.
/// <para>
/// SignalR pings every connection every <see cref="HubOptions.KeepAliveInterval"/> (checked once a second), whether or
/// not it sent the connection anything meanwhile: its clock restarts only when it pings. A client needs a ping only to
/// hear that the server is there (the official clients time out after hearing nothing for their server timeout,
/// twice the keep-alive interval by default, and any message restarts that clock). So a ping to a reader that was sent
/// an event within the last quarter of the interval is not sent: SignalR's next ping comes one interval (and at most
/// one heartbeat) later, so a reader still hears something at least every 1.25 intervals and a second (20 s with
/// the default 15 s), well inside the clients' 30 s. Readers of a busy feed then get no pings at all, and an idle
/// reader gets SignalR's pings as before.
/// </para>
/// </summary>
internal sealed class ReaderPings
{
    private readonly byte[][] _pings;
    private readonly long _quiet;
    private long _skipped;

    public ReaderPings(IHubProtocolResolver protocols, IOptions<HubOptions<FeedHub>> options)
    {
        // What SignalR writes as a ping: the protocol's serialised ping message, the same bytes every time.
        _pings = [.. protocols.AllProtocols.Select(protocol => protocol.GetMessageBytes(PingMessage.Instance).ToArray())];
        var interval = options.Value.KeepAliveInterval ?? TimeSpan.FromSeconds(15);
        _quiet = (long)(interval.TotalSeconds / 4 * Stopwatch.Frequency);
    }

    /// <summary>
    /// The time of an event's send, for <see cref="Skip"/>: the system's monotonic clock, which SignalR's keep-alive runs
    /// on too (an injected <see cref="TimeProvider"/> would not move SignalR's pings).
    /// </summary>
    public static long Now => Stopwatch.GetTimestamp();

    /// <summary>Pings left out since start (for tests and diagnostics).</summary>
    public long Skipped => Interlocked.Read(ref _skipped);

    /// <summary>
    /// Whether <paramref name="message"/> (a whole message SignalR wrote) is a ping to leave out, for a reader last sent an
    /// event at <paramref name="lastEvent"/> (<see cref="Now"/>; 0: never).
    /// </summary>
    public bool Skip(ReadOnlySpan<byte> message, long lastEvent)
    {
        if (lastEvent == 0 || message.Length > 16 || Now - lastEvent >= _quiet || !IsPing(message))
        {
            return false;
        }

        Interlocked.Increment(ref _skipped);
        return true;
    }

    private bool IsPing(ReadOnlySpan<byte> message)
    {
        foreach (var ping in _pings)
        {
            if (message.SequenceEqual(ping))
            {
                return true;
            }
        }

        return false;
    }
}
