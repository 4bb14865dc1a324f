using System.Net.WebSockets;
using System.Text.Json;
using LiveFeed.Contracts;
using Microsoft.AspNetCore.SignalR.Protocol;

namespace LiveFeed.Benchmarks.Baselines;

/// <summary>
/// The platform's ceiling: Kestrel's WebSockets and nothing else. A reader connects to
/// <c>/ws?protocol=json|messagepack</c> and receives every item published; no handshake, no groups.
/// Each event is serialised once per protocol, as a SignalR <c>FeedEvent</c> invocation frame (so the
/// same lean reader parses it), and the same bytes are written to every socket.
/// </summary>
internal static class BareWebSocketServer
{
    public const string Path = "/ws";

    public static async Task<int> RunAsync(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information);
        builder.Services.AddSingleton<Broadcaster>();

        var app = builder.Build();
        app.UseWebSockets();
        app.MapGet("/health/live", () => "ok");
        app.MapGet("/metrics", () => Servers.RuntimeCounters.Lines());
        app.Map(Path, AcceptAsync);
        app.MapPost("/api/feeds/{feed}/items", PublishAsync);
        await app.RunAsync();
        return 0;
    }

    private static async Task AcceptAsync(HttpContext context, Broadcaster broadcaster)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        var binary = context.Request.Query["protocol"] == "messagepack";
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var reader = new Reader(socket, binary);
        broadcaster.Add(reader);
        try
        {
            // Read only to notice the close; readers send nothing else.
            var buffer = new byte[256];
            while (socket.State == WebSocketState.Open)
            {
                var result = await socket.ReceiveAsync(buffer.AsMemory(), context.RequestAborted);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }
            }
        }
        catch (Exception exception) when (exception is WebSocketException or OperationCanceledException or IOException)
        {
            // The reader went away.
        }
        finally
        {
            broadcaster.Remove(reader);
        }
    }

    private static async Task<IResult> PublishAsync(string feed, HttpRequest request, Broadcaster broadcaster)
    {
        var content = await JsonSerializer.DeserializeAsync<ItemRequest>(request.Body, BaselineJson.Options, request.HttpContext.RequestAborted)
            ?? throw new BadHttpRequestException("no item");
        var item = await broadcaster.PublishAsync(feed, content);
        return Results.Created($"/api/feeds/{feed}/items/{item.Id}", item);
    }

    private sealed record Reader(WebSocket Socket, bool Binary);

    private sealed class Broadcaster : IDisposable
    {
        private static readonly JsonHubProtocol Json = new();
        private static readonly MessagePackHubProtocol MessagePack = new();

        private readonly SemaphoreSlim _gate = new(1, 1);
        private readonly Lock _readersLock = new();
        private readonly HashSet<Reader> _readers = [];
        private Reader[] _snapshot = [];
        private long _sequence;

        public void Dispose() => _gate.Dispose();

        public void Add(Reader reader)
        {
            lock (_readersLock)
            {
                _readers.Add(reader);
                _snapshot = [.. _readers];
            }
        }

        public void Remove(Reader reader)
        {
            lock (_readersLock)
            {
                _readers.Remove(reader);
                _snapshot = [.. _readers];
            }
        }

        /// <summary>Numbers the item and writes it to every socket; one publish at a time, so order holds.</summary>
        public async Task<FeedItem> PublishAsync(string feed, ItemRequest content)
        {
            await _gate.WaitAsync();
            try
            {
                var feedEvent = BaselineEvents.Published(feed, ++_sequence, content);
                var message = new InvocationMessage(FeedHubProtocol.FeedEvent, [feedEvent]);
                ReadOnlyMemory<byte> json = Json.GetMessageBytes(message);
                ReadOnlyMemory<byte> messagePack = MessagePack.GetMessageBytes(message);

                List<Task>? pending = null;
                foreach (var reader in Volatile.Read(ref _snapshot))
                {
                    var send = reader.Binary
                        ? reader.Socket.SendAsync(messagePack, WebSocketMessageType.Binary, endOfMessage: true, CancellationToken.None)
                        : reader.Socket.SendAsync(json, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
                    if (!send.IsCompletedSuccessfully)
                    {
                        (pending ??= []).Add(send.AsTask());
                    }
                }

                if (pending is not null)
                {
                    try
                    {
                        await Task.WhenAll(pending);
                    }
                    catch (Exception exception) when (exception is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException)
                    {
                        // A reader that went away mid-send; the others got the event.
                    }
                }

                return feedEvent.Item;
            }
            finally
            {
                _gate.Release();
            }
        }
    }
}
