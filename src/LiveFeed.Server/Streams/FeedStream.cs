using System.Buffers;
using LiveFeed.Contracts;
using LiveFeed.Feeds;
using LiveFeed.Server.Hubs;

namespace LiveFeed.Server.Streams;

/// <summary>
/// One reader's Server-Sent Events stream of one feed. It writes through its own <see cref="ReaderOutbox"/> (so it is
/// dropped, not waited for, when it stops reading) and sends each event once, in sequence order, with no gap: what it
/// is handed before its first page is written waits, and what is at or before its position is dropped. When it cannot
/// go on without a gap it ends, and the reader resumes with its <c>Last-Event-ID</c>.
/// </summary>
internal sealed class FeedStream(string feed, string id, ReaderOutbox outbox)
{
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private FeedPosition? _sent;
    private List<(FeedEvent? Event, FeedPage? Reset, byte[] Record)>? _early;
    private bool _over;

    public string Feed => feed;

    public string Id => id;

    /// <summary>Completes when the stream should end: asked to close, its reader gone or dropped, or a gap it cannot fill.</summary>
    public Task Ended => _ended.Task;

    /// <summary>Asks the stream to end (a drain): the response ends properly and the reader reconnects.</summary>
    public void Close() => _ended.TrySetResult();

    /// <summary>Writes <paramref name="first"/> (the retry advice) and <paramref name="page"/>, then what came meanwhile.</summary>
    public void Start(ReadOnlySpan<byte> first, FeedPage page, byte[] pageRecords)
    {
        lock (_gate)
        {
            Write(first, pageRecords);
            _sent = new FeedPosition(page.Epoch, page.Sequence);
            foreach (var (feedEvent, reset, record) in _early ?? [])
            {
                if (feedEvent is not null)
                {
                    Deliver(feedEvent, record);
                }
                else
                {
                    Reset(reset!, record);
                }
            }

            _early = null;
        }
    }

    /// <summary>The feed's next event, already written as a record.</summary>
    public void Deliver(FeedEvent feedEvent, byte[] record)
    {
        lock (_gate)
        {
            if (_sent is not { } sent)
            {
                (_early ??= []).Add((feedEvent, null, record));
            }
            else if (feedEvent.Epoch == sent.Epoch && feedEvent.Sequence == sent.Sequence + 1)
            {
                Write(record, []);
                _sent = new FeedPosition(feedEvent.Epoch, feedEvent.Sequence);
            }
            else if (feedEvent.Epoch != sent.Epoch || feedEvent.Sequence > sent.Sequence)
            {
                // Not the next one: this stream cannot go on without a gap. The reader resumes from its Last-Event-ID.
                _ended.TrySetResult();
            }
        }
    }

    /// <summary>The feed starts over (its log was lost, or this instance fell too far behind): a reset record.</summary>
    public void Reset(FeedPage page, byte[] record)
    {
        lock (_gate)
        {
            if (_sent is not { } sent)
            {
                (_early ??= []).Add((null, page, record));
            }
            else if (page.Epoch != sent.Epoch || page.Sequence > sent.Sequence)
            {
                Write(record, []);
                _sent = new FeedPosition(page.Epoch, page.Sequence);
            }
        }
    }

    /// <summary>A comment line, so that proxies do not close a quiet stream.</summary>
    public void KeepAlive()
    {
        lock (_gate)
        {
            if (_sent is not null)
            {
                Write(EventStreamRecords.KeepAlive, []);
            }
        }
    }

    /// <summary>Nothing more is written; what the outbox still holds goes out within the send timeout.</summary>
    public Task FinishAsync()
    {
        lock (_gate)
        {
            _over = true;
        }

        _ended.TrySetResult();
        return outbox.EndAsync();
    }

    /// <summary>One message to the outbox: it never waits (a reader that stops reading is dropped instead).</summary>
    private void Write(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second)
    {
        if (_over)
        {
            return;
        }

        var output = outbox.Output;
        if (!first.IsEmpty)
        {
            output.Write(first);
        }

        if (!second.IsEmpty)
        {
            output.Write(second);
        }

        // The outbox answers at once; "completed" means the reader is gone or was dropped.
        var flush = output.FlushAsync();
        if (!flush.IsCompleted)
        {
            _ = flush.AsTask();
        }
        else if (flush.Result.IsCompleted)
        {
            _ended.TrySetResult();
        }
    }
}
