using System.Buffers;
using System.Buffers.Text;
using System.Net.WebSockets;
using System.Text;
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
internal sealed class LeanReader
{
    private const byte RecordSeparator = 0x1E;

    private static readonly byte[] JsonPing = "{\"type\":6}\u001e"u8.ToArray();
    private static readonly byte[] MessagePackPing = [0x02, 0x91, 0x06];

    private readonly HubProtocolName _protocol;
    private readonly bool _raw;
    private readonly DeliveryLog _log;
    private readonly TaskCompletionSource _subscribed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ClientWebSocket? _socket;
    private byte[] _buffer = new byte[4096];
    private int _filled;
    private bool _handshakeDone;

    public LeanReader(HubProtocolName protocol, bool raw, DeliveryLog log)
    {
        _protocol = protocol;
        _raw = raw;
        _log = log;
        _handshakeDone = raw;
    }

    public SequenceCheck Sequences { get; } = new();

    /// <summary>Why the connection ended early, or null while it is open.</summary>
    public string? Failure { get; private set; }

    public bool IsSubscribed => _subscribed.Task.IsCompletedSuccessfully;

    /// <summary>Connects, says the handshake and subscribes to <paramref name="feed"/>; returns once Subscribe answered.</summary>
    public async Task OpenAsync(Uri uri, HttpMessageInvoker invoker, string feed, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        _socket = socket;
        await socket.ConnectAsync(uri, invoker, cancellationToken);
        _ = ReceiveLoopAsync(socket);
        if (_raw)
        {
            _subscribed.TrySetResult();
            return;
        }

        var type = MessageType;
        var handshake = Encoding.UTF8.GetBytes($"{{\"protocol\":\"{(_protocol == HubProtocolName.Json ? "json" : "messagepack")}\",\"version\":1}}\u001e");
        await socket.SendAsync(handshake, type, endOfMessage: true, cancellationToken);
        await socket.SendAsync(SubscribeInvocation(feed), type, endOfMessage: true, cancellationToken);
        await _subscribed.Task.WaitAsync(cancellationToken);
    }

    /// <summary>A hub ping, so that the server does not drop a reader that has sent nothing for 30 s.</summary>
    public async Task PingAsync(CancellationToken cancellationToken)
    {
        if (_raw || _socket is not { State: WebSocketState.Open } socket || !IsSubscribed)
        {
            return;
        }

        await socket.SendAsync(_protocol == HubProtocolName.Json ? JsonPing : MessagePackPing, MessageType, endOfMessage: true, cancellationToken);
    }

    /// <summary>Cuts the connection at once (no close handshake: the benchmark tears thousands down).</summary>
    public void Abort()
    {
        _socket?.Abort();
        _socket?.Dispose();
    }

    private WebSocketMessageType MessageType => _protocol == HubProtocolName.Json ? WebSocketMessageType.Text : WebSocketMessageType.Binary;

    private byte[] SubscribeInvocation(string feed)
    {
        if (_protocol == HubProtocolName.Json)
        {
            return Encoding.UTF8.GetBytes($"{{\"type\":1,\"invocationId\":\"0\",\"target\":\"Subscribe\",\"arguments\":[\"{feed}\",null,null]}}\u001e");
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
        writer.WriteNil();
        writer.WriteNil();
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

    private async Task ReceiveLoopAsync(ClientWebSocket socket)
    {
        try
        {
            while (true)
            {
                if (_filled == _buffer.Length)
                {
                    Array.Resize(ref _buffer, _buffer.Length * 2);
                }

                var result = await socket.ReceiveAsync(_buffer.AsMemory(_filled), CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    Fail("the server closed the connection");
                    return;
                }

                _filled += result.Count;
                var consumed = Parse(_buffer.AsMemory(0, _filled));
                if (consumed > 0)
                {
                    Buffer.BlockCopy(_buffer, consumed, _buffer, 0, _filled - consumed);
                    _filled -= consumed;
                }
            }
        }
        catch (Exception exception) when (exception is WebSocketException or ObjectDisposedException or OperationCanceledException or IOException)
        {
            Fail(exception.Message);
        }
        catch (Exception exception) when (exception is MessagePackSerializationException or FormatException or InvalidOperationException)
        {
            Fail("unreadable frame: " + exception.Message);
        }
    }

    private void Fail(string why)
    {
        Failure ??= why;
        _subscribed.TrySetException(new InvalidOperationException(why));
    }

    private int Parse(ReadOnlyMemory<byte> data)
    {
        var consumed = 0;
        while (consumed < data.Length)
        {
            var rest = data[consumed..];
            if (!_handshakeDone || _protocol == HubProtocolName.Json)
            {
                var end = rest.Span.IndexOf(RecordSeparator);
                if (end < 0)
                {
                    break;
                }

                consumed += end + 1;
                if (!_handshakeDone)
                {
                    _handshakeDone = true;
                    if (rest.Span[..end].IndexOf("\"error\""u8) >= 0)
                    {
                        Fail("handshake refused: " + Encoding.UTF8.GetString(rest.Span[..end]));
                    }

                    continue;
                }

                OnJsonFrame(rest.Span[..end]);
            }
            else
            {
                if (!TryReadLength(rest.Span, out var length, out var prefix) || rest.Length < prefix + length)
                {
                    break;
                }

                consumed += prefix + length;
                OnMessagePackFrame(rest.Slice(prefix, length));
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

    private void OnJsonFrame(ReadOnlySpan<byte> frame)
    {
        var type = ReadJsonNumber(frame, "\"type\":"u8);
        switch (type)
        {
            case 1 when frame.IndexOf("\"target\":\"FeedEvent\""u8) >= 0:
                OnEvent(ReadJsonNumber(frame, "\"sequence\":"u8), ReadJsonNumber(frame, "\"headline\":\""u8));
                break;
            case 3:
                if (frame.IndexOf("\"error\""u8) >= 0)
                {
                    Fail("Subscribe failed: " + Encoding.UTF8.GetString(frame));
                }
                else
                {
                    _subscribed.TrySetResult();
                }

                break;
            case 7:
                Fail("the server closed the hub connection: " + Encoding.UTF8.GetString(frame));
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

    private void OnMessagePackFrame(ReadOnlyMemory<byte> frame)
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
                ReadMessagePackEvent(ref reader);
                break;
            case 3:
                reader.Skip(); // headers
                reader.Skip(); // invocation id
                if (reader.ReadInt32() == 1)
                {
                    Fail("Subscribe failed: " + reader.ReadString());
                }
                else
                {
                    _subscribed.TrySetResult();
                }

                break;
            case 7:
                Fail("the server closed the hub connection");
                break;
        }
    }

    private void ReadMessagePackEvent(ref MessagePackReader reader)
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

        OnEvent(sequence, sent);
    }

    private static ReadOnlySpan<byte> Span(ReadOnlySequence<byte>? text) =>
        text is { IsSingleSegment: true } single ? single.FirstSpan : text?.ToArray() ?? [];

    private void OnEvent(long sequence, long sent)
    {
        if (Sequences.Accept(sequence))
        {
            _log.Record(sequence, sent);
        }
    }
}
