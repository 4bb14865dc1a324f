using System.Buffers;
using System.IO.Pipelines;
using LiveFeed.Server.Limits;
using LiveFeed.Server.Logging;
using Microsoft.AspNetCore.Connections;

namespace LiveFeed.Server.Hubs;

/// <summary>
/// Stands between SignalR and one reader's transport so that nothing sent to a reader ever waits for it.
/// <para>
/// SignalR writes every message to a connection's transport pipe and awaits the flush; when a reader stops
/// reading, its socket and then that pipe fill, and the flush waits. A group send awaits every connection's
/// flush, so one stalled reader would hold up the broadcast of every event to every reader (on the Redis
/// backplane too, where an instance's group messages are handled one after another).
/// </para>
/// <para>
/// Here SignalR writes into this outbox instead, which never pushes back. While the reader keeps up (the
/// transport takes every flush at once, the usual case) a message goes straight into the transport: no copy,
/// no queue, no extra thread hop. When a transport flush does not complete at once, a pump takes over: it waits
/// for that flush, and the messages that arrive meanwhile are queued in the outbox and moved to the transport in
/// order (so each reader still gets each feed in order), at most 64 KiB a flush, until the queue is empty and
/// messages go straight through again. The queue is made the first time it is needed, so a reader that always
/// keeps up costs no queue at all.
/// </para>
/// <para>
/// The reader is dropped - its connection aborted; it reconnects and resumes from its position - when a flush
/// is not taken within <see cref="ReaderSendLimits.SendTimeout"/>, or when a new message finds more than
/// <see cref="ReaderSendLimits.MaxBufferedBytes"/> already queued. So what the server holds for one reader is
/// bounded by that cap, plus one message, plus the transport's own buffer.
/// </para>
/// </summary>
internal sealed class ReaderOutbox : IDuplexPipe
{
    private const int MaxBytesPerFlush = 64 * 1024;

    private static readonly FlushResult TakenResult = new(isCanceled: false, isCompleted: false);
    private static readonly FlushResult EndedResult = new(isCanceled: false, isCompleted: true);

    private readonly ConnectionContext _connection;
    private readonly IDuplexPipe _transport;
    private readonly ReaderSendLimits _limits;
    private readonly ReaderOutboxes _outboxes;
    private readonly ILogger _logger;
    private readonly OutboxWriter _writer;

    // _pumping and _queued change under _gate. Only the writer (SignalR, one message at a time) sets _pumping,
    // and only the pump clears it, as its last act: so while the writer sees it clear, nothing else touches the
    // transport's output and the writer may write there directly.
    private readonly Lock _gate = new();
    private bool _pumping;
    private long _queued;
    private Pipe? _queue;
    private int _dropped;
    private Task _pump = Task.CompletedTask;

    private ReaderOutbox(ConnectionContext connection, ReaderSendLimits limits, ReaderOutboxes outboxes, ILogger logger)
    {
        _connection = connection;
        _transport = connection.Transport;
        _limits = limits;
        _outboxes = outboxes;
        _logger = logger;
        _writer = new OutboxWriter(this);
    }

    public PipeReader Input => _transport.Input;

    public PipeWriter Output => _writer;

    /// <summary>A flush that is done: the message is with the transport or queued.</summary>
    private static ValueTask<FlushResult> Taken => new(TakenResult);

    /// <summary>A flush that is done because nothing more will be sent: the reader was dropped or left.</summary>
    private static ValueTask<FlushResult> Ended => new(EndedResult);

    private bool Dropped => Volatile.Read(ref _dropped) != 0;

    private bool Pumping => Volatile.Read(ref _pumping);

    /// <summary>Puts an outbox in front of every connection's transport for as long as the connection lives.</summary>
    public static ConnectionDelegate Around(ConnectionDelegate next, IServiceProvider services)
    {
        var limits = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<LimitsOptions>>().Value.Readers;
        var outboxes = services.GetRequiredService<ReaderOutboxes>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger<ReaderOutbox>();
        return async connection =>
        {
            var outbox = new ReaderOutbox(connection, limits, outboxes, logger);
            connection.Transport = outbox;
            try
            {
                await next(connection);
            }
            finally
            {
                // Let a running pump send what is left (SignalR's close message), within the send timeout, then
                // give the transport back: the connection's own shutdown completes it.
                await outbox._writer.CompleteAsync();
                await outbox._pump;
                connection.Transport = outbox._transport;
            }
        };
    }

    /// <summary>A message written straight into the transport is complete: flush it, and hand over to a pump if it waits.</summary>
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
        lock (_gate)
        {
            _queue ??= new Pipe(new PipeOptions(pauseWriterThreshold: 0, resumeWriterThreshold: 0, useSynchronizationContext: false));
            _pumping = true;
        }

        _pump = PumpAsync(flush);
        return Taken;
    }

    /// <summary>A message written into the queue is complete: count it, and start a pump if none runs.</summary>
    private ValueTask<FlushResult> FlushQueued(long bytes)
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
            _outboxes.Queued(bytes, before + bytes);
            start = !_pumping;
            _pumping = true;
        }

        // Counted before they are readable, so the pump never takes bytes it has not counted. With no pause
        // threshold this completes at once.
        var flush = _queue!.Writer.FlushAsync();
        if (start)
        {
            _pump = PumpAsync(Taken);
        }

        if (before > _limits.MaxBufferedBytes)
        {
            Drop("more than Limits:Readers:MaxBufferedBytes waited for it");
            return Ended;
        }

        return flush;
    }

    private async Task PumpAsync(ValueTask<FlushResult> pending)
    {
        var output = _transport.Output;
        CancellationTokenSource? timeout = null;
        var handedBack = false;
        try
        {
            var flushed = pending.IsCompleted ? pending.Result : await pending.AsTask().WaitAsync(_limits.SendTimeout);
            timeout = new CancellationTokenSource();
            while (!flushed.IsCompleted && !flushed.IsCanceled)
            {
                lock (_gate)
                {
                    if (_queued == 0)
                    {
                        // Nothing waits: the writer may write straight into the transport again. From here on
                        // another pump may run; this one touches nothing more.
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

                var buffer = result.Buffer;
                var chunk = buffer.Slice(0, Math.Min(buffer.Length, MaxBytesPerFlush));
                foreach (var segment in chunk)
                {
                    output.Write(segment.Span);
                }

                // The sequence is not to be read once it is advanced past.
                var length = chunk.Length;
                _queue.Reader.AdvanceTo(chunk.End);
                lock (_gate)
                {
                    _queued -= length;
                }

                _outboxes.Sent(length);
                timeout.CancelAfter(_limits.SendTimeout);
                flushed = await output.FlushAsync(timeout.Token);
                if (!timeout.TryReset())
                {
                    timeout.Dispose();
                    timeout = new CancellationTokenSource();
                }
            }

            // The transport is gone (the reader left, or the connection is being torn down).
            Gone();
        }
        catch (Exception exception) when (exception is OperationCanceledException or TimeoutException)
        {
            Drop("its connection took nothing for the send timeout");
        }
        catch (InvalidOperationException)
        {
            // The transport's pipe was completed under the pump: the connection is ending anyway.
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
                }

                await _queue!.Reader.CompleteAsync();
            }
        }
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
        LiveFeedLog.ReaderDropped(_logger, _connection.ConnectionId, reason);

        // Stop the pump where it waits, so that what was queued is released now, then end the connection.
        _queue?.Reader.CancelPendingRead();
        _transport.Output.CancelPendingFlush();
        _connection.Abort(new ConnectionAbortedException($"The reader was dropped: {reason}."));
    }

    /// <summary>
    /// What SignalR writes to: never waits. SignalR writes one message at a time (its connection's write lock),
    /// each a run of GetSpan/GetMemory and Advance ended by FlushAsync; the first call of a message picks where the
    /// whole message goes. Once the reader is dropped, what is written is discarded.
    /// </summary>
    private sealed class OutboxWriter(ReaderOutbox outbox) : PipeWriter
    {
        private PipeWriter? _target;
        private bool _direct;
        private bool _discarding;
        private long _unflushed;
        private byte[] _discard = [];

        public override void Advance(int bytes)
        {
            if (_target is not null)
            {
                _target.Advance(bytes);
                _unflushed += bytes;
            }
        }

        public override Memory<byte> GetMemory(int sizeHint = 0) => Begin() is { } target ? target.GetMemory(sizeHint) : Discard(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => Begin() is { } target ? target.GetSpan(sizeHint) : Discard(sizeHint).Span;

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
        {
            var target = _target;
            var discarding = _discarding;
            var bytes = _unflushed;
            _target = null;
            _discarding = false;
            _unflushed = 0;
            if (target is null)
            {
                return discarding || outbox.Dropped ? Ended : Taken;
            }

            return _direct ? outbox.FlushDirect() : outbox.FlushQueued(bytes);
        }

        public override void CancelPendingFlush()
        {
            outbox._queue?.Writer.CancelPendingFlush();
            outbox._transport.Output.CancelPendingFlush();
        }

        public override void Complete(Exception? exception = null) => outbox._queue?.Writer.Complete(exception);

        /// <summary>The target of the message being written, chosen at its first call; null when it is discarded.</summary>
        private PipeWriter? Begin()
        {
            if (_target is not null || _discarding)
            {
                return _target;
            }

            if (outbox.Dropped)
            {
                _discarding = true;
                return null;
            }

            // Straight into the transport, unless a pump is draining the queue: then behind what it holds.
            _direct = !outbox.Pumping;
            return _target = _direct ? outbox._transport.Output : outbox._queue!.Writer;
        }

        private Memory<byte> Discard(int sizeHint)
        {
            if (_discard.Length < Math.Max(sizeHint, 4096))
            {
                _discard = new byte[Math.Max(sizeHint, 4096)];
            }

            return _discard;
        }
    }
}

/// <summary>What the readers' outboxes hold, for operators and tests.</summary>
internal sealed class ReaderOutboxes
{
    private long _buffered;
    private long _peakPerReader;
    private long _dropped;

    /// <summary>Bytes queued for all readers of this instance and not yet taken by their transports.</summary>
    public long BufferedBytes => Interlocked.Read(ref _buffered);

    /// <summary>The most bytes one reader's outbox has held (counting the message that found it full).</summary>
    public long PeakBytesPerReader => Interlocked.Read(ref _peakPerReader);

    /// <summary>Readers dropped for not keeping up.</summary>
    public long DroppedReaders => Interlocked.Read(ref _dropped);

    internal void Queued(long bytes, long readerTotal)
    {
        Interlocked.Add(ref _buffered, bytes);
        long peak;
        while (readerTotal > (peak = Interlocked.Read(ref _peakPerReader)) && Interlocked.CompareExchange(ref _peakPerReader, readerTotal, peak) != peak)
        {
        }
    }

    internal void Sent(long bytes) => Interlocked.Add(ref _buffered, -bytes);

    internal void Dropped() => Interlocked.Increment(ref _dropped);
}
