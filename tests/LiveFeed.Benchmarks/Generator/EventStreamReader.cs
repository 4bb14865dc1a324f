using System.Buffers.Text;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace LiveFeed.Benchmarks.Generator;

/// <summary>
/// A reader on LiveFeed's Server-Sent Events stream (<c>GET /api/feeds/{feed}/stream</c>, docs/contract.md) that costs
/// the load generator little: one HTTP/1.1 request on its own connection, whose body it reads as it comes and splits into
/// records (each ends with a blank line). The first record is <c>retry:</c>, written once the stream has joined the feed
/// and read the store: the reader counts as subscribed from then on. An <c>event: reset</c> starts it at the sequence in
/// its <c>id: {epoch}:{sequence}</c>; each <c>published</c>, <c>corrected</c> or <c>retracted</c> event gives, in its one
/// <c>data:</c> line (the FeedEvent's JSON), the sequence and the send stamp at the start of the headline, which go to the
/// same <see cref="DeliveryLog"/> and <see cref="SequenceCheck"/> as a hub reader's. <c>: keep-alive</c> comments are skipped.
/// The stream sends each event once (the server joins the feed before it reads the store): anything twice is a duplicate.
/// </summary>
internal sealed class EventStreamReader : IFeedReader
{
    private const int BufferSize = 4096;

    private readonly DeliveryLog _log;
    private readonly TaskCompletionSource _subscribed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private HttpResponseMessage? _response;

    public EventStreamReader(DeliveryLog log) => _log = log;

    public SequenceCheck Sequences { get; } = new();

    public string? Failure { get; private set; }

    public bool IsSubscribed => _subscribed.Task.IsCompletedSuccessfully;

    /// <summary>Opens <c>{uri}api/feeds/{feed}/stream</c> (<paramref name="uri"/> is the server's address) and waits for its first record.</summary>
    public async Task OpenAsync(Uri uri, HttpMessageInvoker invoker, string feed, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(uri, $"api/feeds/{Uri.EscapeDataString(feed)}/stream"))
        {
            Version = new Version(1, 1),
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Headers.Accept.ParseAdd("text/event-stream");
        try
        {
            // SocketsHttpHandler answers once the headers are in; the body is read as it comes.
            _response = await invoker.SendAsync(request, cancellationToken);
        }
        catch (Exception exception) when (exception is HttpRequestException or OperationCanceledException)
        {
            Fail(exception.GetBaseException().Message);
            var refused = exception.GetBaseException() is SocketException { SocketErrorCode: SocketError.ConnectionRefused };
            throw new AttemptFailedException(refused ? AttemptOutcomes.Refused : AttemptOutcomes.Closed, null, exception.GetBaseException().Message);
        }

        if (!_response.IsSuccessStatusCode)
        {
            var status = ((int)_response.StatusCode).ToString(CultureInfo.InvariantCulture);
            Fail($"the stream answered {status}");
            _response.Dispose();
            throw new AttemptFailedException(status, _response.Headers.RetryAfter?.Delta, $"the stream answered {status}");
        }

        var body = await _response.Content.ReadAsStreamAsync(cancellationToken);
        _ = ReceiveLoopAsync(body);
        await _subscribed.Task.WaitAsync(cancellationToken);
    }

    /// <summary>A stream needs nothing from its reader: the server sends <c>: keep-alive</c> comments.</summary>
    public Task PingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Cuts the connection at once: disposing the response closes its connection, and the receive loop ends.</summary>
    public void Abort() => _response?.Dispose();

    private async Task ReceiveLoopAsync(Stream body)
    {
        var buffer = new byte[BufferSize];
        var filled = 0;
        try
        {
            while (true)
            {
                if (filled == buffer.Length)
                {
                    Array.Resize(ref buffer, buffer.Length * 2);
                }

                var read = await body.ReadAsync(buffer.AsMemory(filled));
                if (read == 0)
                {
                    Fail("the server ended the stream");
                    return;
                }

                filled += read;
                var consumed = 0;
                int end;
                while ((end = buffer.AsSpan(consumed, filled - consumed).IndexOf("\n\n"u8)) >= 0)
                {
                    OnRecord(buffer.AsSpan(consumed, end + 1));
                    consumed += end + 2;
                }

                if (consumed > 0)
                {
                    Buffer.BlockCopy(buffer, consumed, buffer, 0, filled - consumed);
                    filled -= consumed;
                }

                // A large record grew the buffer: give the memory back (10,000 readers hold one each).
                if (filled == 0 && buffer.Length > BufferSize)
                {
                    buffer = new byte[BufferSize];
                }
            }
        }
        catch (Exception exception) when (exception is IOException or ObjectDisposedException or OperationCanceledException or HttpRequestException)
        {
            Fail(exception.Message);
        }
        catch (FormatException exception)
        {
            Fail("unreadable record: " + exception.Message);
        }
    }

    /// <summary>One record: its lines, each <c>field: value</c> (or a comment starting with a colon), each ending with a line feed.</summary>
    private void OnRecord(ReadOnlySpan<byte> record)
    {
        ReadOnlySpan<byte> eventName = default, id = default, data = default;
        var retry = false;
        while (!record.IsEmpty)
        {
            var lineEnd = record.IndexOf((byte)'\n');
            var line = record[..lineEnd].TrimEnd((byte)'\r');
            record = record[(lineEnd + 1)..];
            var colon = line.IndexOf((byte)':');
            if (colon == 0)
            {
                continue; // a comment: keep-alive
            }

            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? [] : line[(colon + 1)..];
            if (!value.IsEmpty && value[0] == (byte)' ')
            {
                value = value[1..];
            }

            if (field.SequenceEqual("event"u8))
            {
                eventName = value;
            }
            else if (field.SequenceEqual("id"u8))
            {
                id = value;
            }
            else if (field.SequenceEqual("data"u8))
            {
                data = value;
            }
            else if (field.SequenceEqual("retry"u8))
            {
                retry = true;
            }
        }

        if (eventName.SequenceEqual("reset"u8))
        {
            // Start over at the page's position: the reader is owed the events after it.
            var colon = id.LastIndexOf((byte)':');
            if (colon < 0 || !Utf8Parser.TryParse(id[(colon + 1)..], out long sequence, out _))
            {
                throw new FormatException("a reset without a position in its id");
            }

            Sequences.Begin(sequence);
        }
        else if (eventName.SequenceEqual("published"u8) || eventName.SequenceEqual("corrected"u8) || eventName.SequenceEqual("retracted"u8))
        {
            var sequence = ReadJsonNumber(data, "\"sequence\":"u8);
            var sent = ReadJsonNumber(data, "\"headline\":\""u8);
            if (Sequences.Accept(sequence))
            {
                _log.Record(sequence, sent);
            }
        }
        else if (!retry)
        {
            return;
        }

        _subscribed.TrySetResult();
    }

    private static long ReadJsonNumber(ReadOnlySpan<byte> data, ReadOnlySpan<byte> after)
    {
        var at = data.IndexOf(after);
        if (at < 0 || !Utf8Parser.TryParse(data[(at + after.Length)..], out long value, out _))
        {
            throw new FormatException($"no number after {Encoding.UTF8.GetString(after)}");
        }

        return value;
    }

    private void Fail(string why)
    {
        Failure ??= why;
        _subscribed.TrySetException(new AttemptFailedException(AttemptOutcomes.Of(why), null, why));
    }
}
