using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using MessagePack;

namespace LiveFeed.Benchmarks.Generator;

/// <summary>The hub protocol a reader speaks.</summary>
internal enum HubProtocolName
{
    Json,
    MessagePack,
}

/// <summary>
/// A reader that costs the load generator little: the SignalR hub protocol spoken directly over one
/// <see cref="ClientWebSocket"/> (no negotiate, no client library). It sends the handshake and one
/// <c>Subscribe</c> invocation, then parses only what the benchmark needs from each <c>FeedEvent</c>:
/// the sequence and the send stamp the generator put at the start of the headline. JSON frames end with
/// the record separator 0x1E; MessagePack frames carry a varint length prefix. In raw mode (the bare
/// WebSocket baseline) there is no handshake and no Subscribe: every frame is a FeedEvent invocation.
/// </summary>
/// <remarks>
/// It follows the contract's rules for <c>Subscribe</c> as every LiveFeed client does: it keeps its position
/// (the epoch and the last sequence it received) and subscribes from it when it opens again after a lost
/// connection; live events that arrive before Subscribe's answer are held until the answer's own events are
/// taken; and an event the answer covers may come live as well (the contract allows it): that is counted in
/// <see cref="Overlaps"/>, not as a duplicate. Anything else that arrives twice is a duplicate in <see cref="Sequences"/>.
/// </remarks>
internal sealed class LeanReader : IFeedReader
{
    private const byte RecordSeparator = 0x1E;
    private const int BufferSize = 4096;

    private static readonly byte[] JsonPing = "{\"type\":6}\u001e"u8.ToArray();
    private static readonly byte[] MessagePackPing = [0x02, 0x91, 0x06];
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly HubProtocolName _protocol;
    private readonly bool _raw;
    private readonly DeliveryLog _log;
    private Connection? _current;

    public LeanReader(HubProtocolName protocol, bool raw, DeliveryLog log)
    {
        _protocol = protocol;
        _raw = raw;
        _log = log;
    }

    public SequenceCheck Sequences { get; } = new();

    /// <summary>Why the current connection ended early, or null while it is open.</summary>
    public string? Failure => _current?.Failure;

    public bool IsSubscribed => _current?.Subscribed.Task.IsCompletedSuccessfully == true;

    /// <summary>Completes when the current connection has ended (for whatever reason).</summary>
    public Task Closed => _current?.Closed.Task ?? Task.CompletedTask;

    /// <summary>The feed's epoch as of the last Subscribe answer; null before the first.</summary>
    public string? Epoch { get; private set; }

    /// <summary>The last sequence received (the position to resume from).</summary>
    public long Position { get; private set; }

    /// <summary>Subscribe answers that started the reader over (reset) although it gave a position.</summary>
    public int Resets { get; private set; }

    /// <summary>Events that came live as well as in Subscribe's answer (allowed by the contract, and dropped).</summary>
    public int Overlaps { get; private set; }

    /// <summary>
    /// Connects, says the handshake and subscribes to <paramref name="feed"/> (from <see cref="Position"/> once it
    /// has one); returns once Subscribe answered. A refused connection throws <see cref="AttemptFailedException"/>.
    /// </summary>
    public async Task OpenAsync(Uri uri, HttpMessageInvoker invoker, string feed, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        socket.Options.CollectHttpResponseDetails = true;
        // Set before the receive loop starts, which reads them.
        var connection = new Connection(socket, handshakeDone: _raw) { Answered = _raw, Asked = _raw || Epoch is null ? null : Position };
        _current?.Socket.Dispose();
        _current = connection;
        try
        {
            await socket.ConnectAsync(uri, invoker, cancellationToken);
        }
        catch (WebSocketException exception)
        {
            connection.Fail(exception.Message);
            throw Refused(socket, exception);
        }

        _ = ReceiveLoopAsync(connection);
        if (_raw)
        {
            connection.Subscribed.TrySetResult();
            return;
        }

        var type = MessageType;
        var handshake = Encoding.UTF8.GetBytes($"{{\"protocol\":\"{(_protocol == HubProtocolName.Json ? "json" : "messagepack")}\",\"version\":1}}\u001e");
        try
        {
            await socket.SendAsync(handshake, type, endOfMessage: true, cancellationToken);
            await socket.SendAsync(SubscribeInvocation(feed, Epoch, connection.Asked), type, endOfMessage: true, cancellationToken);
        }
        catch (Exception exception) when (exception is WebSocketException or IOException or ObjectDisposedException)
        {
            connection.Fail(exception.Message);
            throw new AttemptFailedException(AttemptOutcomes.Closed, null, exception.Message);
        }

        await connection.Subscribed.Task.WaitAsync(cancellationToken);
    }

    /// <summary>A hub ping, so that the server does not drop a reader that has sent nothing for 30 s.</summary>
    public async Task PingAsync(CancellationToken cancellationToken)
    {
        if (_raw || _current is not { Socket: { State: WebSocketState.Open } socket } || !IsSubscribed)
        {
            return;
        }

        await socket.SendAsync(_protocol == HubProtocolName.Json ? JsonPing : MessagePackPing, MessageType, endOfMessage: true, cancellationToken);
    }

    /// <summary>Cuts the connection at once (no close handshake: the benchmark tears thousands down).</summary>
    public void Abort()
    {
        _current?.Socket.Abort();
        _current?.Socket.Dispose();
    }

    /// <summary>The status and Retry-After of a refused WebSocket request, or what kind of network failure it was.</summary>
    private static AttemptFailedException Refused(ClientWebSocket socket, WebSocketException exception)
    {
        var status = (int)socket.HttpStatusCode;
        if (status != 0)
        {
            TimeSpan? retryAfter = socket.HttpResponseHeaders?.TryGetValue("Retry-After", out var values) == true
                && int.TryParse(values.FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
                    ? TimeSpan.FromSeconds(seconds)
                    : null;
            return new AttemptFailedException(status.ToString(CultureInfo.InvariantCulture), retryAfter, exception.Message);
        }

        var refused = exception.GetBaseException() is SocketException { SocketErrorCode: SocketError.ConnectionRefused };
        return new AttemptFailedException(refused ? AttemptOutcomes.Refused : AttemptOutcomes.Closed, null, exception.GetBaseException().Message);
    }

    private WebSocketMessageType MessageType => _protocol == HubProtocolName.Json ? WebSocketMessageType.Text : WebSocketMessageType.Binary;

    private byte[] SubscribeInvocation(string feed, string? epoch, long? sequence)
    {
        if (_protocol == HubProtocolName.Json)
        {
            var position = epoch is null || sequence is null
                ? "null,null"
                : JsonSerializer.Serialize(epoch) + "," + sequence.Value.ToString(CultureInfo.InvariantCulture);
            return Encoding.UTF8.GetBytes($"{{\"type\":1,\"invocationId\":\"0\",\"target\":\"Subscribe\",\"arguments\":[\"{feed}\",{position}]}}\u001e");
        }

        // [1, headers, invocationId, target, arguments, streamIds]
        var payload = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(payload);
        writer.WriteArrayHeader(6);
        writer.Write(1);
        writer.WriteMapHeader(0);
        writer.Write("0");
        writer.Write("Subscribe");
        writer.WriteArrayHeader(3);
        writer.Write(feed);
        if (epoch is null || sequence is null)
        {
            writer.WriteNil();
            writer.WriteNil();
        }
        else
        {
            writer.Write(epoch);
            writer.Write(sequence.Value);
        }

        writer.WriteArrayHeader(0);
        writer.Flush();

        var frame = new List<byte>(payload.WrittenCount + 5);
        for (var length = (uint)payload.WrittenCount; ; length >>= 7)
        {
            if (length < 0x80)
            {
                frame.Add((byte)length);
                break;
            }

            frame.Add((byte)(length | 0x80));
        }

        frame.AddRange(payload.WrittenSpan);
        return [.. frame];
    }

    private async Task ReceiveLoopAsync(Connection connection)
    {
        try
        {
            while (true)
            {
                if (connection.Filled == connection.Buffer.Length)
                {
                    Array.Resize(ref connection.Buffer, connection.Buffer.Length * 2);
                }

                var result = await connection.Socket.ReceiveAsync(connection.Buffer.AsMemory(connection.Filled), CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    connection.Fail("the server closed the connection");
                    return;
                }

                connection.Filled += result.Count;
                var consumed = Parse(connection, connection.Buffer.AsMemory(0, connection.Filled));
                if (consumed > 0)
                {
                    Buffer.BlockCopy(connection.Buffer, consumed, connection.Buffer, 0, connection.Filled - consumed);
                    connection.Filled -= consumed;
                }

                // A page of items grew the buffer: give the memory back (10,000 readers hold one each).
                if (connection.Filled == 0 && connection.Buffer.Length > BufferSize)
                {
                    connection.Buffer = new byte[BufferSize];
                }
            }
        }
        catch (Exception exception) when (exception is WebSocketException or ObjectDisposedException or OperationCanceledException or IOException)
        {
            connection.Fail(exception.Message);
        }
        catch (Exception exception) when (exception is MessagePackSerializationException or FormatException or InvalidOperationException or JsonException)
        {
            connection.Fail("unreadable frame: " + exception.Message);
        }
        finally
        {
            connection.Closed.TrySetResult();
        }
    }

    private int Parse(Connection connection, ReadOnlyMemory<byte> data)
    {
        var consumed = 0;
        while (consumed < data.Length)
        {
            var rest = data[consumed..];
            if (!connection.HandshakeDone || _protocol == HubProtocolName.Json)
            {
                var end = rest.Span.IndexOf(RecordSeparator);
                if (end < 0)
                {
                    break;
                }

                consumed += end + 1;
                if (!connection.HandshakeDone)
                {
                    connection.HandshakeDone = true;
                    if (rest.Span[..end].IndexOf("\"error\""u8) >= 0)
                    {
                        connection.Fail("handshake refused: " + Encoding.UTF8.GetString(rest.Span[..end]));
                    }

                    continue;
                }

                OnJsonFrame(connection, rest.Span[..end]);
            }
            else
            {
                if (!TryReadLength(rest.Span, out var length, out var prefix) || rest.Length < prefix + length)
                {
                    break;
                }

                consumed += prefix + length;
                OnMessagePackFrame(connection, rest.Slice(prefix, length));
            }
        }

        return consumed;
    }

    private static bool TryReadLength(ReadOnlySpan<byte> data, out int length, out int prefix)
    {
        length = 0;
        for (prefix = 0; prefix < Math.Min(data.Length, 5); prefix++)
        {
            length |= (data[prefix] & 0x7F) << (7 * prefix);
            if ((data[prefix] & 0x80) == 0)
            {
                prefix++;
                return true;
            }
        }

        return false;
    }

    private void OnJsonFrame(Connection connection, ReadOnlySpan<byte> frame)
    {
        var type = ReadJsonNumber(frame, "\"type\":"u8);
        switch (type)
        {
            case 1 when frame.IndexOf("\"target\":\"FeedEvent\""u8) >= 0:
                OnLiveEvent(connection, ReadJsonNumber(frame, "\"sequence\":"u8), ReadJsonNumber(frame, "\"headline\":\""u8));
                break;
            case 3:
                var completion = JsonSerializer.Deserialize<JsonCompletion>(frame, Json) ?? throw new FormatException("an empty completion");
                if (completion.Error is not null || completion.Result is null)
                {
                    connection.Fail("Subscribe failed: " + (completion.Error ?? "no page"));
                    break;
                }

                var page = completion.Result;
                OnAnswer(connection, page.Epoch, page.Sequence, page.Reset, page.Events?.Select(e => (e.Sequence, Stamp(e.Item?.Headline))).ToList() ?? []);
                break;
            case 7:
                connection.Fail("the server closed the hub connection: " + Encoding.UTF8.GetString(frame));
                break;
        }
    }

    private static long ReadJsonNumber(ReadOnlySpan<byte> frame, ReadOnlySpan<byte> after)
    {
        var at = frame.IndexOf(after);
        if (at < 0 || !Utf8Parser.TryParse(frame[(at + after.Length)..], out long value, out _))
        {
            throw new FormatException($"no number after {Encoding.UTF8.GetString(after)}");
        }

        return value;
    }

    private static long Stamp(string? headline)
    {
        var space = headline?.IndexOf(' ', StringComparison.Ordinal) ?? -1;
        return space > 0 && long.TryParse(headline.AsSpan(0, space), NumberStyles.None, CultureInfo.InvariantCulture, out var stamp)
            ? stamp
            : throw new FormatException("no send stamp in the headline");
    }

    private void OnMessagePackFrame(Connection connection, ReadOnlyMemory<byte> frame)
    {
        var reader = new MessagePackReader(frame);
        reader.ReadArrayHeader();
        switch (reader.ReadInt32())
        {
            case 1:
                reader.Skip(); // headers
                reader.Skip(); // invocation id
                if (!Span(reader.ReadStringSequence()).SequenceEqual("FeedEvent"u8))
                {
                    return;
                }

                reader.ReadArrayHeader();
                var (sequence, sent) = ReadMessagePackEvent(ref reader);
                OnLiveEvent(connection, sequence, sent);
                break;
            case 3:
                reader.Skip(); // headers
                reader.Skip(); // invocation id
                switch (reader.ReadInt32())
                {
                    case 1:
                        connection.Fail("Subscribe failed: " + reader.ReadString());
                        break;
                    case 3:
                        ReadMessagePackPage(connection, ref reader);
                        break;
                    default:
                        connection.Fail("Subscribe answered no page");
                        break;
                }

                break;
            case 7:
                connection.Fail("the server closed the hub connection");
                break;
        }
    }

    private void ReadMessagePackPage(Connection connection, ref MessagePackReader reader)
    {
        string? epoch = null;
        long sequence = 0;
        var reset = false;
        var events = new List<(long Sequence, long Sent)>();
        for (var fields = reader.ReadMapHeader(); fields > 0; fields--)
        {
            var key = Span(reader.ReadStringSequence());
            if (key.SequenceEqual("epoch"u8))
            {
                epoch = reader.ReadString();
            }
            else if (key.SequenceEqual("sequence"u8))
            {
                sequence = reader.ReadInt64();
            }
            else if (key.SequenceEqual("reset"u8))
            {
                reset = reader.ReadBoolean();
            }
            else if (key.SequenceEqual("events"u8))
            {
                for (var count = reader.ReadArrayHeader(); count > 0; count--)
                {
                    events.Add(ReadMessagePackEvent(ref reader));
                }
            }
            else
            {
                reader.Skip();
            }
        }

        OnAnswer(connection, epoch ?? throw new FormatException("a page without an epoch"), sequence, reset, events);
    }

    private static (long Sequence, long Sent) ReadMessagePackEvent(ref MessagePackReader reader)
    {
        long sequence = -1, sent = -1;
        for (var fields = reader.ReadMapHeader(); fields > 0; fields--)
        {
            var key = Span(reader.ReadStringSequence());
            if (key.SequenceEqual("sequence"u8))
            {
                sequence = reader.ReadInt64();
            }
            else if (key.SequenceEqual("item"u8))
            {
                for (var itemFields = reader.ReadMapHeader(); itemFields > 0; itemFields--)
                {
                    if (Span(reader.ReadStringSequence()).SequenceEqual("headline"u8))
                    {
                        if (!Utf8Parser.TryParse(Span(reader.ReadStringSequence()), out sent, out _))
                        {
                            throw new FormatException("no send stamp in the headline");
                        }
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
            }
            else
            {
                reader.Skip();
            }
        }

        return (sequence, sent);
    }

    private static ReadOnlySpan<byte> Span(ReadOnlySequence<byte>? text) =>
        text is { IsSingleSegment: true } single ? single.FirstSpan : text?.ToArray() ?? [];

    /// <summary>
    /// Subscribe's answer: a reset page starts the reader at its sequence; a page of events is taken in order. Then
    /// the live events held while it was awaited. What the answer covers (everything up to its sequence when it
    /// resets, the events after the asked position otherwise) may also come live: those are overlaps, not duplicates.
    /// </summary>
    private void OnAnswer(Connection connection, string epoch, long sequence, bool reset, List<(long Sequence, long Sent)> events)
    {
        if (connection != _current)
        {
            return;
        }

        if (reset)
        {
            if (connection.Asked is not null)
            {
                Resets++;
            }

            Sequences.Begin(sequence);
            Position = sequence;
            connection.CoveredAfter = long.MinValue;
        }
        else
        {
            foreach (var (eventSequence, sent) in events)
            {
                Take(eventSequence, sent);
            }

            connection.CoveredAfter = connection.Asked ?? long.MinValue;
        }

        Epoch = epoch;
        connection.CoveredTo = sequence;
        connection.Answered = true;
        foreach (var (heldSequence, sent) in connection.Held)
        {
            OnLiveEvent(connection, heldSequence, sent);
        }

        connection.Held.Clear();
        connection.Subscribed.TrySetResult();
    }

    private void OnLiveEvent(Connection connection, long sequence, long sent)
    {
        if (connection != _current)
        {
            return;
        }

        if (!connection.Answered)
        {
            connection.Held.Add((sequence, sent));
        }
        else if (sequence > connection.CoveredAfter && sequence <= connection.CoveredTo)
        {
            Overlaps++;
        }
        else
        {
            Take(sequence, sent);
        }
    }

    private void Take(long sequence, long sent)
    {
        if (Sequences.Accept(sequence))
        {
            _log.Record(sequence, sent);
            Position = Math.Max(Position, sequence);
        }
    }

    /// <summary>One WebSocket connection of the reader, and what it was told.</summary>
    private sealed class Connection(ClientWebSocket socket, bool handshakeDone)
    {
        public ClientWebSocket Socket { get; } = socket;

        public TaskCompletionSource Subscribed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Closed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string? Failure { get; private set; }

        public byte[] Buffer = new byte[BufferSize];

        public int Filled { get; set; }

        public bool HandshakeDone { get; set; } = handshakeDone;

        /// <summary>The position this connection subscribed from, or null for none.</summary>
        public long? Asked { get; set; }

        /// <summary>Whether Subscribe has answered; live events before that are held.</summary>
        public bool Answered { get; set; }

        public List<(long Sequence, long Sent)> Held { get; } = [];

        /// <summary>What the answer covers: sequences above <see cref="CoveredAfter"/> up to <see cref="CoveredTo"/>.</summary>
        public long CoveredAfter { get; set; } = long.MinValue;

        public long CoveredTo { get; set; } = long.MinValue;

        public void Fail(string why)
        {
            Failure ??= why;
            Subscribed.TrySetException(new AttemptFailedException(AttemptOutcomes.Of(why), null, why));
        }
    }

    private sealed record JsonCompletion(string? Error, JsonPage? Result);

    private sealed record JsonPage(string Epoch, long Sequence, bool Reset, List<JsonEvent>? Events);

    private sealed record JsonEvent(long Sequence, JsonItem? Item);

    private sealed record JsonItem(string? Headline);
}
