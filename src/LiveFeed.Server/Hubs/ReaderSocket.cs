using System.Net.WebSockets;
using Microsoft.AspNetCore.Http.Features;

namespace LiveFeed.Server.Hubs;

/// <summary>
/// Keeps hold of the WebSocket that SignalR accepts for a reader, so that the reader's <see cref="ReaderOutbox"/>
/// can send to it directly instead of through SignalR's pipe and the transport's send loop (a copy and a
/// thread-pool hop per message, the larger part of SignalR's cost per delivery). SignalR's transport still owns
/// the socket: it accepts it, receives from it, and closes it.
/// </summary>
internal sealed class ReaderSocket(IHttpWebSocketFeature accepting) : IHttpWebSocketFeature
{
    private WebSocket? _socket;

    public bool IsWebSocketRequest => accepting.IsWebSocketRequest;

    /// <summary>The accepted socket; null until SignalR has accepted it.</summary>
    public WebSocket? Socket => Volatile.Read(ref _socket);

    public async Task<WebSocket> AcceptAsync(WebSocketAcceptContext context)
    {
        var socket = await accepting.AcceptAsync(context);
        Volatile.Write(ref _socket, socket);
        return socket;
    }

    /// <summary>The reader's socket, when its hub connection came over a WebSocket accepted here.</summary>
    public static WebSocket? Of(HttpContext? context) =>
        (context?.Features.Get<IHttpWebSocketFeature>() as ReaderSocket)?.Socket;

    /// <summary>
    /// Puts a <see cref="ReaderSocket"/> in front of the WebSocket feature of hub requests. WebSocket support is
    /// added here, ahead of the hub's endpoint (whose own UseWebSockets keeps a feature it finds already set).
    /// </summary>
    public static IApplicationBuilder UseReaderSockets(IApplicationBuilder app) => app
        .UseWebSockets()
        .Use((context, next) =>
        {
            if (context.Features.Get<IHttpWebSocketFeature>() is { IsWebSocketRequest: true } accepting)
            {
                context.Features.Set<IHttpWebSocketFeature>(new ReaderSocket(accepting));
            }

            return next(context);
        });
}
