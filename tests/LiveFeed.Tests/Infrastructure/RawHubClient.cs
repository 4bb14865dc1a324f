using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;

namespace LiveFeed.Tests.Infrastructure;

/// <summary>
/// A hub client on a bare WebSocket that speaks the SignalR JSON protocol by hand: the handshake, invocations
/// as raw text, and every record the server sends handed to <see cref="OnRecord"/> as it arrives. Lean enough to
/// run hundreds at once, and able to send what no official client would. Reading is started by
/// <see cref="StartReading"/>; a client that never starts it never reads, as a stalled reader.
/// </summary>
public sealed class RawHubClient : IAsyncDisposable
{
    public const char RecordSeparator = '\u001e';

    private readonly ClientWebSocket _socket = new();
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly HttpMessageInvoker? _invoker;
    private readonly ArrayBufferWriter<byte> _unread = new();
    private Task _reading = Task.CompletedTask;
    private Task _pinging = Task.CompletedTask;

    private RawHubClient(int? receiveBufferBytes)
    {
        _socket.Options.HttpVersion = HttpVersion.Version11;
        _socket.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        _socket.Options.KeepAliveInterval = TimeSpan.Zero;
        if (receiveBufferBytes is { } size)
        {
            // A small receive buffer, set before connecting so that TCP offers a small window: the server
            // then feels a reader that stops reading after a few kilobytes, as with a slow phone.
            _invoker = new HttpMessageInvoker(new SocketsHttpHandler
            {
                ConnectCallback = async (context, cancellationToken) =>
                {
                    var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveBufferSize = size };
                    await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                },
            });
        }
    }

    /// <summary>Called with each record (without its separator) the server sends, on the reading task.</summary>
    public Action<ReadOnlyMemory<byte>>? OnRecord { get; set; }

    /// <summary>Completes when the server closes the connection or it breaks.</summary>
    public Task Reading => _reading;

    public WebSocketState State => _socket.State;

    /// <summary>The status of the server's close frame, once one has arrived.</summary>
    public WebSocketCloseStatus? CloseStatus => _socket.CloseStatus;

    /// <summary>Opens the WebSocket to the hub (negotiation skipped, as the official clients can).</summary>
    public static async Task<RawHubClient> ConnectAsync(Uri server, int? receiveBufferBytes = null, CancellationToken cancellationToken = default)
    {
        var client = new RawHubClient(receiveBufferBytes);
        var url = new UriBuilder(new Uri(server, "/hubs/feed")) { Scheme = server.Scheme == "https" ? "wss" : "ws" }.Uri;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TestReader.Timeout);
        if (client._invoker is null)
        {
            await client._socket.ConnectAsync(url, timeout.Token);
        }
        else
        {
            await client._socket.ConnectAsync(url, client._invoker, timeout.Token);
        }

        return client;
    }

    /// <summary>Connects, shakes hands in JSON and starts reading: a reader ready to subscribe.</summary>
    public static async Task<RawHubClient> ConnectReadingAsync(Uri server, Action<ReadOnlyMemory<byte>> onRecord)
    {
        var client = await ConnectAsync(server);
        client.OnRecord = onRecord;
        await client.HandshakeAsync();
        client.StartReading();
        return client;
    }

    /// <summary>Sends the JSON handshake and answers the server's handshake record.</summary>
    public async Task<string> HandshakeAsync(string protocol = "json")
    {
        await SendTextAsync($$"""{"protocol":"{{protocol}}","version":1}""" + RecordSeparator);
        return await ReceiveRecordAsync() ?? throw new InvalidOperationException("The server closed the connection during the handshake.");
    }

    /// <summary>
    /// The next record the server sends other than a ping, read directly (only before <see cref="StartReading"/>);
    /// null when the server closes the connection first.
    /// </summary>
    public async Task<string?> ReceiveRecordAsync(TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? TestReader.Timeout);
        var buffer = new byte[4096];
        while (true)
        {
            var text = Encoding.UTF8.GetString(_unread.WrittenSpan);
            var separator = text.IndexOf(RecordSeparator, StringComparison.Ordinal);
            if (separator >= 0)
            {
                var rest = Encoding.UTF8.GetBytes(text[(separator + 1)..]);
                _unread.Clear();
                _unread.Write(rest);
                var record = text[..separator];
                if (record == """{"type":6}""")
                {
                    continue;
                }

                return record;
            }

            var result = await _socket.ReceiveAsync(buffer, deadline.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }

            _unread.Write(buffer.AsSpan(0, result.Count));
        }
    }

    /// <summary>
    /// The next WebSocket message's bytes, read directly (only before <see cref="StartReading"/>, and not mixed with
    /// <see cref="ReceiveRecordAsync"/> except for what it left unread); null when the server closes or breaks the connection.
    /// </summary>
    public async Task<byte[]?> ReceiveFrameAsync(TimeSpan timeout)
    {
        if (_unread.WrittenCount > 0)
        {
            var unread = _unread.WrittenSpan.ToArray();
            _unread.Clear();
            return unread;
        }

        using var deadline = new CancellationTokenSource(timeout);
        var message = new ArrayBufferWriter<byte>();
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var result = await _socket.ReceiveAsync(buffer, deadline.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return null;
                }

                message.Write(buffer.AsSpan(0, result.Count));
                if (result.EndOfMessage)
                {
                    return message.WrittenSpan.ToArray();
                }
            }
        }
        catch (WebSocketException)
        {
            return null;
        }
    }

    /// <summary>Reads from now on, passing every record to <see cref="OnRecord"/>, and pings every 5 s.</summary>
    public void StartReading()
    {
        _reading = Task.Run(ReadLoopAsync);
        StartPinging();
    }

    /// <summary>Pings every 5 s (as the official clients do), so that the server never drops this client for silence.</summary>
    public void StartPinging() => _pinging = Task.Run(PingLoopAsync);

    public Task SendTextAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text);

    public async Task SendAsync(ReadOnlyMemory<byte> bytes, WebSocketMessageType type)
    {
        using var timeout = new CancellationTokenSource(TestReader.Timeout);
        await _sendLock.WaitAsync(timeout.Token);
        try
        {
            await _socket.SendAsync(bytes, type, endOfMessage: true, timeout.Token);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Invokes <c>Subscribe(feed, epoch, sequence)</c>; the answer arrives as a completion record with this invocation id.</summary>
    public Task SendSubscribeAsync(string feed, string invocationId, string? epoch = null, long? sequence = null) =>
        SendTextAsync($$"""{"type":1,"invocationId":"{{invocationId}}","target":"Subscribe","arguments":["{{feed}}",{{(epoch is null ? "null" : $"\"{epoch}\"")}},{{(sequence?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "null")}}]}""" + RecordSeparator);

    /// <summary>Drops the connection without a close frame, as a client that goes away does.</summary>
    public void Abort() => _socket.Abort();

    /// <summary>Sends a close frame, as a client leaving politely does, without reading anything more.</summary>
    public Task CloseOutputAsync() => _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "leaving", CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _socket.Abort();
        try
        {
            await Task.WhenAll(_reading, _pinging).WaitAsync(TestReader.Timeout);
        }
        catch (Exception exception) when (exception is OperationCanceledException or WebSocketException or TimeoutException or ObjectDisposedException)
        {
            // Ended by the abort above.
        }

        _socket.Dispose();
        _invoker?.Dispose();
        _sendLock.Dispose();
        _stop.Dispose();
    }

    private async Task ReadLoopAsync()
    {
        var buffer = new byte[64 * 1024];
        var pending = new ArrayBufferWriter<byte>();
        pending.Write(_unread.WrittenSpan);
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var result = await _socket.ReceiveAsync(buffer, _stop.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                pending.Write(buffer.AsSpan(0, result.Count));
                var data = pending.WrittenMemory;
                int separator;
                while ((separator = data.Span.IndexOf((byte)RecordSeparator)) >= 0)
                {
                    OnRecord?.Invoke(data[..separator]);
                    data = data[(separator + 1)..];
                }

                var rest = data.ToArray();
                pending.Clear();
                pending.Write(rest);
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
            // The connection ended.
        }
    }

    private async Task PingLoopAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromSeconds(5), _stop.Token);
                await SendTextAsync("""{"type":6}""" + RecordSeparator);
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or WebSocketException or ObjectDisposedException or InvalidOperationException)
        {
            // The connection ended.
        }
    }
}
