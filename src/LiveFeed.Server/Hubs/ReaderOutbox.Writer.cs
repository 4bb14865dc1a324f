using System.Buffers;
using System.IO.Pipelines;

namespace LiveFeed.Server.Hubs;

/// <summary>The outbox's side SignalR writes to.</summary>
internal sealed partial class ReaderOutbox
{
    /// <summary>
    /// What SignalR writes to: never waits. SignalR writes one message at a time (its connection's write lock),
    /// each a run of GetSpan/GetMemory and Advance ended by FlushAsync; the first call of a message picks where the
    /// whole message goes. Once the reader is dropped, what is written is discarded.
    /// </summary>
    private sealed class OutboxWriter(ReaderOutbox outbox) : PipeWriter
    {
        private const int SmallestFrame = 4096;

        private Way _way;
        private PipeWriter? _pipe;
        private int _unflushed;
        private byte[]? _frame;
        private int _framed;
        private byte[] _discard = [];

        /// <summary>Where the message being written goes.</summary>
        private enum Way
        {
            NotChosen,

            /// <summary>Into a pooled frame, then onto the reader's WebSocket or into the queue behind the pump.</summary>
            Socket,

            /// <summary>Into SignalR's transport pipe.</summary>
            Transport,

            /// <summary>Into the outbox's queue, behind what a pump is sending (transports other than WebSocket).</summary>
            Queue,

            /// <summary>Nowhere: the reader was dropped or left.</summary>
            Discard,
        }

        public override void Advance(int bytes)
        {
            switch (_way)
            {
                case Way.Socket:
                    _framed += bytes;
                    break;
                case Way.Transport or Way.Queue:
                    _pipe!.Advance(bytes);
                    _unflushed += bytes;
                    break;
            }
        }

        public override Memory<byte> GetMemory(int sizeHint = 0) => Begin() switch
        {
            Way.Socket => Frame(sizeHint),
            Way.Discard => Discard(sizeHint),
            _ => _pipe!.GetMemory(sizeHint),
        };

        public override Span<byte> GetSpan(int sizeHint = 0) => Begin() switch
        {
            Way.Socket => Frame(sizeHint).Span,
            Way.Discard => Discard(sizeHint).Span,
            _ => _pipe!.GetSpan(sizeHint),
        };

        /// <summary>SignalR writes a serialised message in one call: room for all of it at once, one copy.</summary>
        public override ValueTask<FlushResult> WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
        {
            source.Span.CopyTo(GetSpan(source.Length));
            Advance(source.Length);
            return FlushAsync(cancellationToken);
        }

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
        {
            var way = _way;
            var bytes = _unflushed;
            _way = Way.NotChosen;
            _pipe = null;
            _unflushed = 0;
            switch (way)
            {
                case Way.Socket:
                    var frame = _frame!;
                    var length = _framed;
                    _frame = null;
                    _framed = 0;
                    if (length == 0 || outbox._pings.Skip(frame.AsSpan(0, length), Volatile.Read(ref outbox._lastEvent)))
                    {
                        ArrayPool<byte>.Shared.Return(frame);
                        return Taken;
                    }

                    return new(outbox.SendWhole(frame.AsMemory(0, length), frame));
                case Way.Transport:
                    return outbox.FlushDirect();
                case Way.Queue when bytes > 0:
                    return outbox.FlushQueued(bytes);
                case Way.Discard:
                    return Ended;
                default:
                    return outbox.Dropped ? Ended : Taken;
            }
        }

        public override void CancelPendingFlush()
        {
            outbox._queue?.Writer.CancelPendingFlush();
            outbox._transport.Output.CancelPendingFlush();
        }

        public override void Complete(Exception? exception = null)
        {
            if (_frame is not null)
            {
                ArrayPool<byte>.Shared.Return(_frame);
                _frame = null;
            }

            // Under the gate: the group send may be queueing shared bytes at this moment.
            lock (outbox._gate)
            {
                outbox._completed = true;
                outbox._queue?.Writer.Complete(exception);
            }
        }

        /// <summary>Where the message being written goes, chosen at its first call.</summary>
        private Way Begin()
        {
            if (_way != Way.NotChosen)
            {
                return _way;
            }

            if (outbox.Dropped)
            {
                return _way = Way.Discard;
            }

            // A WebSocket reader's message is framed whole, then sent or queued under the outbox's gate (the group send
            // hands it messages too).
            if (outbox.Socket is not null)
            {
                return _way = Way.Socket;
            }

            // Straight out, unless a pump is draining the queue: then behind what it holds.
            if (outbox.Pumping)
            {
                _pipe = outbox._queue!.Writer;
                return _way = Way.Queue;
            }

            _pipe = outbox._transport.Output;
            return _way = Way.Transport;
        }

        /// <summary>Room in the message's frame: a pooled array, grown (by copying) if a message outgrows it.</summary>
        private Memory<byte> Frame(int sizeHint)
        {
            var needed = _framed + Math.Max(sizeHint, 1);
            if (_frame is null || _frame.Length < needed)
            {
                var larger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, Math.Max(SmallestFrame, (_frame?.Length ?? 0) * 2)));
                if (_frame is not null)
                {
                    _frame.AsSpan(0, _framed).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(_frame);
                }

                _frame = larger;
            }

            return _frame.AsMemory(_framed);
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
