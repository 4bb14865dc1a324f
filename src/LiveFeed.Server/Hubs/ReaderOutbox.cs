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
/// Here SignalR writes into this outbox instead, which never pushes back: the write is done when the bytes are
/// queued. A pump per connection moves them to the transport in order (so each reader still gets each feed in
/// order), at most 64 KiB a flush. The reader is dropped - its connection aborted; it reconnects and resumes from
/// its position - when a flush is not taken within <see cref="ReaderSendLimits.SendTimeout"/>, or when a new
/// message finds more than <see cref="ReaderSendLimits.MaxBufferedBytes"/> already waiting. So what the server
/// holds for one reader is bounded by that cap, plus one message, plus the transport's own buffer.
/// </para>
/// </summary>
internal sealed class ReaderOutbox : IDuplexPipe
{
    private const int MaxBytesPerFlush = 64 * 1024;

    private readonly ConnectionContext _connection;
    private readonly IDuplexPipe _transport;
    private readonly ReaderSendLimits _limits;
    private readonly ReaderOutboxes _outboxes;
    private readonly ILogger _logger;
    private readonly Pipe _queue = new(new PipeOptions(pauseWriterThreshold: 0, resumeWriterThreshold: 0, useSynchronizationContext: false));
    private readonly OutboxWriter _writer;
    private long _buffered;
    private int _dropped;
    private Task _pump = Task.CompletedTask;

    private ReaderOutbox(ConnectionContext connection, ReaderSendLimits limits, ReaderOutboxes outboxes, ILogger logger)
    {
        _connection = connection;
        _transport = connection.Transport;
        _limits = limits;
        _outboxes = outboxes;
        _logger = logger;
        _writer = new OutboxWriter(this, _queue.Writer);
    }

    public PipeReader Input => _transport.Input;

    public PipeWriter Output => _writer;

    private bool Dropped => Volatile.Read(ref _dropped) != 0;

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
            outbox._pump = outbox.PumpAsync();
            try
            {
                await next(connection);
            }
            finally
            {
                // Let the pump send what is left (SignalR's close message), within the send timeout, then give
                // the transport back: the connection's own shutdown completes it.
                await outbox._writer.CompleteAsync();
                await outbox._pump;
                connection.Transport = outbox._transport;
            }
        };
    }

    private async Task PumpAsync()
    {
        var output = _transport.Output;
        var timeout = new CancellationTokenSource();
        try
        {
            while (true)
            {
                var result = await _queue.Reader.ReadAsync();
                var buffer = result.Buffer;
                if (Dropped || result.IsCanceled)
                {
                    return;
                }

                var chunk = buffer.Slice(0, Math.Min(buffer.Length, MaxBytesPerFlush));
                foreach (var segment in chunk)
                {
                    output.Write(segment.Span);
                }

                timeout.CancelAfter(_limits.SendTimeout);
                var flushed = await output.FlushAsync(timeout.Token);
                if (!timeout.TryReset())
                {
                    timeout.Dispose();
                    timeout = new CancellationTokenSource();
                }

                Interlocked.Add(ref _buffered, -chunk.Length);
                _outboxes.Sent(chunk.Length);
                _queue.Reader.AdvanceTo(chunk.End);
                if (flushed.IsCompleted || flushed.IsCanceled)
                {
                    // The transport is gone (the reader left, or the connection is being torn down).
                    return;
                }

                if (result.IsCompleted && chunk.Length == buffer.Length)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            Drop("its connection took nothing for the send timeout");
        }
        catch (InvalidOperationException)
        {
            // The transport's pipe was completed under the pump: the connection is ending anyway.
        }
        finally
        {
            // Nothing more will be sent: whatever SignalR still writes is discarded, not queued.
            Volatile.Write(ref _dropped, 1);
            timeout.Dispose();
            _outboxes.Sent(Interlocked.Exchange(ref _buffered, 0));
            await _queue.Reader.CompleteAsync();
        }
    }

    /// <summary>Counts a message's bytes in; false (and the reader dropped) when too much was already waiting.</summary>
    private bool TryQueue(long bytes)
    {
        var before = Interlocked.Add(ref _buffered, bytes) - bytes;
        _outboxes.Queued(bytes, before + bytes);
        if (before > _limits.MaxBufferedBytes)
        {
            Drop("more than Limits:Readers:MaxBufferedBytes waited for it");
            return false;
        }

        return true;
    }

    private void Drop(string reason)
    {
        if (Interlocked.Exchange(ref _dropped, 1) != 0)
        {
            return;
        }

        _outboxes.Dropped();
        LiveFeedLog.ReaderDropped(_logger, _connection.ConnectionId, reason);

        // Stop the pump where it waits, so that what was queued is released now, then end the connection.
        _queue.Reader.CancelPendingRead();
        _transport.Output.CancelPendingFlush();
        _connection.Abort(new ConnectionAbortedException($"The reader was dropped: {reason}."));
    }

    /// <summary>What SignalR writes to: never waits. Once the reader is dropped, what is written is discarded.</summary>
    private sealed class OutboxWriter(ReaderOutbox outbox, PipeWriter queue) : PipeWriter
    {
        private long _unflushed;
        private byte[] _discard = [];

        public override void Advance(int bytes)
        {
            if (!outbox.Dropped)
            {
                queue.Advance(bytes);
                _unflushed += bytes;
            }
        }

        public override Memory<byte> GetMemory(int sizeHint = 0) => outbox.Dropped ? Discard(sizeHint) : queue.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => outbox.Dropped ? Discard(sizeHint).Span : queue.GetSpan(sizeHint);

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
        {
            var bytes = _unflushed;
            _unflushed = 0;
            if (outbox.Dropped || !outbox.TryQueue(bytes))
            {
                return ValueTask.FromResult(new FlushResult(isCanceled: false, isCompleted: true));
            }

            // With no pause threshold this completes at once.
            return queue.FlushAsync(cancellationToken);
        }

        public override void CancelPendingFlush() => queue.CancelPendingFlush();

        public override void Complete(Exception? exception = null) => queue.Complete(exception);

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
