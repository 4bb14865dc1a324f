using System.Buffers;
using System.IO.Pipelines;
using System.Net.WebSockets;
using LiveFeed.Server.Limits;
using LiveFeed.Server.Logging;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Connections.Features;

namespace LiveFeed.Server.Hubs;

/// <summary>
/// Stands between SignalR and one reader's transport so that nothing sent to a reader ever waits for it. Every
/// reader has one: a hub connection (<see cref="Around"/>) and a Server-Sent Events stream of
/// <c>/api/feeds/{feed}/stream</c> (<see cref="ForResponse"/>), so both are held to the same limits.
/// <para>
/// SignalR writes every message to a connection's transport pipe and awaits the flush; when a reader stops
/// reading, its socket and then that pipe fill, and the flush waits. A group send awaits every connection's
/// flush, so one stalled reader would hold up the broadcast of every event to every reader (on the Redis
/// backplane too, where an instance's group messages are handled one after another).
/// </para>
/// <para>
/// Here SignalR writes into this outbox instead, which never pushes back. While the reader keeps up (the usual
/// case) a message goes straight out: for a WebSocket reader onto its socket, as one WebSocket message (see
/// <see cref="ReaderSocket"/>); for the other transports into SignalR's transport pipe. No queue, no extra thread
/// hop. When a send does not complete at once, a pump takes over: it waits for that send, and the messages that
/// arrive meanwhile are queued in the outbox and sent in order (so each reader still gets each feed in order),
/// whole messages at most 64 KiB a send, until the queue is empty and messages go straight out again. The queue
/// is made the first time it is needed, so a reader that always keeps up costs no queue at all.
/// </para>
/// <para>
/// The group send of each event (<see cref="LocalFeedGroups"/>) hands a WebSocket reader's outbox the event's bytes,
/// serialised once for every reader of the protocol, through <see cref="TrySendShared"/>, beside SignalR's own writes;
/// both go out by the same rule.
/// </para>
/// <para>
/// The reader is dropped - its connection aborted; it reconnects and resumes from its position - when a send
/// is not taken within <see cref="ReaderSendLimits.SendTimeout"/>, or when a new message finds more than
/// <see cref="ReaderSendLimits.MaxBufferedBytes"/> already queued. So what the server holds for one reader is
/// bounded by that cap, plus one message, plus the transport's own buffer.
/// </para>
/// </summary>
internal sealed partial class ReaderOutbox : IDuplexPipe
{
    private const int MaxBytesPerSend = 64 * 1024;

    private static readonly FlushResult TakenResult = new(isCanceled: false, isCompleted: false);
    private static readonly FlushResult EndedResult = new(isCanceled: false, isCompleted: true);
    private static readonly Task<bool> Idle = Task.FromResult(true);

    private readonly string _readerId;
    private readonly IDuplexPipe _transport;
    private readonly IFeatureCollection? _features;
    private readonly Action<ConnectionAbortedException> _abort;
    private readonly ITransferFormatFeature? _format;
    private readonly ReaderSendLimits _limits;
    private readonly ReaderOutboxes _outboxes;
    private readonly ReaderPings _pings;
    private readonly ILogger _logger;
    private readonly OutboxWriter _writer;

    // _pumping, _queued and _queuedMessages change under _gate. A message is sent directly only while _pumping is
    // clear, and only the pump clears it, as its last act: so a direct send never races the pump. For a WebSocket
    // reader two writers hand over messages (SignalR's, and the group send's shared bytes, TrySendShared): each sends
    // directly or queues under _gate, so their sends never overlap either, and only under _gate is anything written to
    // its queue. For other transports SignalR is the only writer (one message at a time), as the pipe they go to needs.
    private readonly Lock _gate = new();
    private bool _pumping;
    private bool _completed;
    private long _queued;
    private Pipe? _queue;
    private Queue<int>? _queuedMessages;
    private int _dropped;
    private Task _pump = Task.CompletedTask;

    // The reader's WebSocket, when it came over one: looked up at the first message (the handshake's answer, which
    // SignalR sends only once it has accepted the socket), then kept, so that every message takes the same way.
    private WebSocket? _socket;
    private bool _socketLookedUp;

    // When the group send last handed this reader an event (ReaderPings.Now; 0: never): SignalR's pings to a reader
    // that was sent one moments ago are left out (see ReaderPings).
    private long _lastEvent;

    private ReaderOutbox(
        string readerId, IDuplexPipe transport, IFeatureCollection? features, Action<ConnectionAbortedException> abort,
        ReaderSendLimits limits, ReaderOutboxes outboxes, ReaderPings pings, ILogger logger)
    {
        _readerId = readerId;
        _transport = transport;
        _features = features;
        _abort = abort;
        _format = features?.Get<ITransferFormatFeature>();
        _limits = limits;
        _outboxes = outboxes;
        _pings = pings;
        _logger = logger;
        _writer = new OutboxWriter(this);
    }

    public PipeReader Input => _transport.Input;

    public PipeWriter Output => _writer;

    /// <summary>A flush that is done: the message is sent or queued.</summary>
    private static ValueTask<FlushResult> Taken => new(TakenResult);

    /// <summary>A flush that is done because nothing more will be sent: the reader was dropped or left.</summary>
    private static ValueTask<FlushResult> Ended => new(EndedResult);

    private bool Dropped => Volatile.Read(ref _dropped) != 0;

    private bool Pumping => Volatile.Read(ref _pumping);

    /// <summary>What SignalR's WebSocket transport would send the message as: it follows the hub protocol's format.</summary>
    private WebSocketMessageType MessageType =>
        _format?.ActiveFormat == TransferFormat.Binary ? WebSocketMessageType.Binary : WebSocketMessageType.Text;

    /// <summary>The reader's WebSocket, or null when its transport is not one. Only the writer asks.</summary>
    private WebSocket? Socket
    {
        get
        {
            if (!_socketLookedUp)
            {
                _socket = ReaderSocket.Of(_features?.Get<IHttpContextFeature>()?.HttpContext);
                Volatile.Write(ref _socketLookedUp, true);
                if (_socket is not null)
                {
                    _outboxes.SocketReader();
                }
            }

            return _socket;
        }
    }

    /// <summary>Puts an outbox in front of every connection's transport for as long as the connection lives.</summary>
    public static ConnectionDelegate Around(ConnectionDelegate next, IServiceProvider services)
    {
        var (limits, outboxes, pings, logger) = Parts(services);
        return async connection =>
        {
            var outbox = new ReaderOutbox(connection.ConnectionId, connection.Transport, connection.Features, connection.Abort, limits, outboxes, pings, logger);
            connection.Transport = outbox;
            try
            {
                await next(connection);
            }
            finally
            {
                // Give the transport back whatever the pump ended with: the connection's own shutdown completes it.
                try
                {
                    await outbox.EndAsync();
                }
                finally
                {
                    connection.Transport = outbox._transport;
                }
            }
        };
    }

    /// <summary>
    /// An outbox in front of an HTTP response that a reader reads as it comes (a Server-Sent Events stream): what is
    /// written to <see cref="Output"/> goes into the response body, by the same rules as for a hub connection. Dropping
    /// the reader aborts the request. <see cref="EndAsync"/> when the stream is over.
    /// </summary>
    public static ReaderOutbox ForResponse(HttpContext context, string readerId, IServiceProvider services)
    {
        var (limits, outboxes, pings, logger) = Parts(services);
        var transport = new ResponseBody(context.Response.BodyWriter);
        return new ReaderOutbox(readerId, transport, features: null, _ => context.Abort(), limits, outboxes, pings, logger);
    }

    /// <summary>Nothing more will be written: lets a running pump send what is left, within the send timeout.</summary>
    public async Task EndAsync()
    {
        await _writer.CompleteAsync();
        await _pump;
    }

    private static (ReaderSendLimits Limits, ReaderOutboxes Outboxes, ReaderPings Pings, ILogger Logger) Parts(IServiceProvider services) => (
        services.GetRequiredService<Microsoft.Extensions.Options.IOptions<LimitsOptions>>().Value.Readers,
        services.GetRequiredService<ReaderOutboxes>(),
        services.GetRequiredService<ReaderPings>(),
        services.GetRequiredService<ILoggerFactory>().CreateLogger<ReaderOutbox>());

    /// <summary>Whether an exception from a send means the connection is going: nothing more can be sent.</summary>
    private static bool IsGone(Exception exception) =>
        exception is InvalidOperationException or WebSocketException or IOException or ObjectDisposedException or OperationCanceledException;

    /// <summary>
    /// A message serialised once for many readers (<see cref="LocalFeedGroups"/>): the same bytes handed to each, never
    /// changed, so never copied here. For a WebSocket reader it goes the way SignalR's own messages go (straight onto
    /// the socket as one WebSocket message, or queued behind what a pump is sending) and the answer is true; for any
    /// other transport false, and the caller writes it through SignalR's connection instead. <paramref name="now"/> is
    /// <see cref="ReaderPings.Now"/>, taken once per event for all its readers.
    /// </summary>
    public bool TrySendShared(ReadOnlyMemory<byte> message, long now)
    {
        if (!Volatile.Read(ref _socketLookedUp) || _socket is null)
        {
            return false;
        }

        Volatile.Write(ref _lastEvent, now);
        _ = SendWhole(message, frame: null);
        return true;
    }

    /// <summary>
    /// A whole message for the socket: sent at once when nothing waits, queued behind the pump otherwise.
    /// <paramref name="frame"/>, when set, is the pooled array the message is in, returned once the socket is done with it.
    /// </summary>
    private FlushResult SendWhole(ReadOnlyMemory<byte> message, byte[]? frame)
    {
        bool overflowing;
        lock (_gate)
        {
            if (Dropped || _completed)
            {
                Release(frame);
                return EndedResult;
            }

            if (!_pumping)
            {
                return SendDirect(message, frame);
            }

            overflowing = Queue(message.Span);
        }

        Release(frame);
        if (overflowing)
        {
            Drop("more than Limits:Readers:MaxBufferedBytes waited for it");
            return EndedResult;
        }

        return TakenResult;
    }

    /// <summary>Sends a whole message onto the socket, and hands over to a pump if the send waits. Under <see cref="_gate"/>, not pumping.</summary>
    private FlushResult SendDirect(ReadOnlyMemory<byte> message, byte[]? frame)
    {
        ValueTask send;
        try
        {
            send = _socket!.SendAsync(message, MessageType, endOfMessage: true, CancellationToken.None);
        }
        catch (Exception exception) when (IsGone(exception))
        {
            Release(frame);
            Gone();
            return EndedResult;
        }

        if (send.IsCompleted)
        {
            Release(frame);
            try
            {
                send.GetAwaiter().GetResult();
            }
            catch (Exception exception) when (IsGone(exception))
            {
                Gone();
                return EndedResult;
            }

            return TakenResult;
        }

        // The socket's buffers are full: from now on messages queue here until a pump has drained them.
        StartQueueing();
        _pump = PumpAsync(SentAsync(send, frame));
        return TakenResult;
    }

    /// <summary>
    /// Copies a whole message into the queue, behind what the pump is sending; true when more than the limit already
    /// waited (the reader is to be dropped). Under <see cref="_gate"/>, pumping.
    /// </summary>
    private bool Queue(ReadOnlySpan<byte> message)
    {
        var before = _queued;
        _queue!.Writer.Write(message);

        // Counted before they are readable, so the pump never takes bytes it has not counted. With no pause
        // threshold the flush completes at once.
        _queued += message.Length;
        _queuedMessages!.Enqueue(message.Length);
        _outboxes.Queued(message.Length, before + message.Length);
        var flushed = _queue.Writer.FlushAsync();
        if (!flushed.IsCompleted)
        {
            throw new InvalidOperationException("The outbox's queue has no pause threshold: its flush cannot wait.");
        }

        _ = flushed.Result;
        return before > _limits.MaxBufferedBytes;
    }

    private static void Release(byte[]? frame)
    {
        if (frame is not null)
        {
            ArrayPool<byte>.Shared.Return(frame);
        }
    }

    /// <summary>A message written straight into the transport pipe is complete: flush it, and hand over to a pump if it waits.</summary>
    private ValueTask<FlushResult> FlushDirect()
    {
        ValueTask<FlushResult> flush;
        try
        {
            flush = _transport.Output.FlushAsync();
        }
        catch (InvalidOperationException)
        {
            // The transport's pipe was completed under the writer: the connection is ending anyway.
            Gone();
            return Ended;
        }

        if (flush.IsCompletedSuccessfully)
        {
            var result = flush.Result;
            if (result.IsCompleted)
            {
                Gone();
            }

            return ValueTask.FromResult(result);
        }

        // The transport's buffer is full: from now on messages queue here until a pump has drained them.
        StartQueueing();
        _pump = PumpAsync(FlushedAsync(flush));
        return Taken;
    }

    private void StartQueueing()
    {
        lock (_gate)
        {
            // 16 KiB segments: the pump sends a segment as one WebSocket frame.
            _queue ??= new Pipe(new PipeOptions(
                pauseWriterThreshold: 0, resumeWriterThreshold: 0, minimumSegmentSize: 16 * 1024, useSynchronizationContext: false));
            _queuedMessages ??= new Queue<int>();
            _pumping = true;
        }
    }

    /// <summary>A message written into the queue is complete: count it, and start a pump if none runs.</summary>
    private ValueTask<FlushResult> FlushQueued(int bytes)
    {
        long before;
        bool start;
        lock (_gate)
        {
            // Checked under the lock: once a dropped reader's pump has released what was queued, nothing more is
            // counted for it.
            if (Dropped)
            {
                return Ended;
            }

            before = _queued;
            _queued += bytes;
            _queuedMessages!.Enqueue(bytes);
            _outboxes.Queued(bytes, before + bytes);
            start = !_pumping;
            _pumping = true;
        }

        // Counted before they are readable, so the pump never takes bytes it has not counted. With no pause
        // threshold this completes at once.
        var flush = _queue!.Writer.FlushAsync();
        if (start)
        {
            _pump = PumpAsync(Idle);
        }

        if (before > _limits.MaxBufferedBytes)
        {
            Drop("more than Limits:Readers:MaxBufferedBytes waited for it");
            return Ended;
        }

        return flush;
    }

    private static async Task<bool> SentAsync(ValueTask send, byte[]? frame)
    {
        await send;

        // Only once the socket is done with it (a send that fails leaves the frame to the garbage collector).
        Release(frame);
        return true;
    }

    private static async Task<bool> FlushedAsync(ValueTask<FlushResult> flush) => Takes(await flush);

    private static bool Takes(FlushResult flushed) => !flushed.IsCompleted && !flushed.IsCanceled;

    private async Task PumpAsync(Task<bool> pending)
    {
        CancellationTokenSource? timeout = null;
        var handedBack = false;
        try
        {
            var taking = await pending.WaitAsync(_limits.SendTimeout);
            timeout = new CancellationTokenSource();
            while (taking)
            {
                lock (_gate)
                {
                    if (_queued == 0)
                    {
                        // Nothing waits: the writer may send directly again. From here on another pump may run;
                        // this one touches nothing more.
                        _pumping = false;
                        handedBack = true;
                        return;
                    }
                }

                // What was counted is readable, or about to be (the writer counts, then flushes).
                var result = await _queue!.Reader.ReadAsync();
                if (Dropped || result.IsCanceled || (result.IsCompleted && result.Buffer.IsEmpty))
                {
                    return;
                }

                var (chunk, messages) = WholeMessages(result.Buffer);
                timeout.CancelAfter(_limits.SendTimeout);
                taking = await SendAsync(chunk, timeout.Token);

                // The sequence is not to be read once it is advanced past.
                var length = chunk.Length;
                _queue.Reader.AdvanceTo(chunk.End, messages == 0 ? result.Buffer.End : chunk.End);
                lock (_gate)
                {
                    _queued -= length;
                    for (var i = 0; i < messages; i++)
                    {
                        _queuedMessages!.Dequeue();
                    }
                }

                _outboxes.Sent(length);
                if (!timeout.TryReset())
                {
                    timeout.Dispose();
                    timeout = new CancellationTokenSource();
                }
            }

            // The transport is gone (the reader left, or the connection is being torn down).
            Gone();
        }
        catch (Exception exception) when (exception is TimeoutException || (exception is OperationCanceledException && timeout?.IsCancellationRequested == true))
        {
            Drop("its connection took nothing for the send timeout");
        }
        catch (Exception exception) when (IsGone(exception))
        {
            // The transport was completed or aborted under the pump: the connection is ending anyway.
            Gone();
        }
        finally
        {
            timeout?.Dispose();
            if (Dropped && !handedBack)
            {
                // Nothing more will be sent: release what was queued.
                lock (_gate)
                {
                    _outboxes.Sent(_queued);
                    _queued = 0;
                    _queuedMessages?.Clear();
                }

                await _queue!.Reader.CompleteAsync();
            }
        }
    }

    /// <summary>
    /// The next whole messages that are readable, up to 64 KiB (at least one). A send never ends part-way
    /// through a message: the browser's SignalR client refuses a WebSocket message that does, and SignalR's
    /// transport sends what it reads from its pipe as one WebSocket message.
    /// </summary>
    private (ReadOnlySequence<byte> Chunk, int Messages) WholeMessages(ReadOnlySequence<byte> readable)
    {
        long length = 0;
        var messages = 0;
        lock (_gate)
        {
            foreach (var message in _queuedMessages!)
            {
                if (length + message > readable.Length || (messages > 0 && length + message > MaxBytesPerSend))
                {
                    break;
                }

                length += message;
                messages++;
            }
        }

        return (readable.Slice(0, length), messages);
    }

    /// <summary>Sends queued messages: false when the transport takes nothing more.</summary>
    private async ValueTask<bool> SendAsync(ReadOnlySequence<byte> chunk, CancellationToken cancellationToken)
    {
        if (chunk.IsEmpty)
        {
            return true;
        }

        if (_socket is not { } socket)
        {
            var output = _transport.Output;
            foreach (var segment in chunk)
            {
                output.Write(segment.Span);
            }

            return Takes(await output.FlushAsync(cancellationToken));
        }

        // One WebSocket message, in as many frames as the queue has segments.
        var type = MessageType;
        var left = chunk.Length;
        foreach (var segment in chunk)
        {
            if (segment.IsEmpty)
            {
                continue;
            }

            left -= segment.Length;
            await socket.SendAsync(segment, type, endOfMessage: left == 0, cancellationToken);
        }

        return true;
    }

    /// <summary>A response body as a transport: only written to.</summary>
    private sealed class ResponseBody(PipeWriter body) : IDuplexPipe
    {
        public PipeReader Input { get; } = PipeReader.Create(Stream.Null);

        public PipeWriter Output => body;
    }

    /// <summary>The transport will take nothing more: whatever SignalR still writes is discarded, not queued.</summary>
    private void Gone() => Volatile.Write(ref _dropped, 1);

    private void Drop(string reason)
    {
        if (Interlocked.Exchange(ref _dropped, 1) != 0)
        {
            return;
        }

        _outboxes.Dropped();
        LiveFeedLog.ReaderDropped(_logger, _readerId, reason);

        // Stop the pump where it waits, so that what was queued is released now, then end the connection (which
        // also fails a send waiting on its socket).
        _queue?.Reader.CancelPendingRead();
        _transport.Output.CancelPendingFlush();
        _abort(new ConnectionAbortedException($"The reader was dropped: {reason}."));
    }
}
