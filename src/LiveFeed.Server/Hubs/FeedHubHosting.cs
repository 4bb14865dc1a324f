using LiveFeed.Contracts;
using LiveFeed.Server.Limits;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace LiveFeed.Server.Hubs;

internal static class FeedHubHosting
{
    public static IHostApplicationBuilder AddFeedHub(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSignalR(options =>
            {
                // Readers send only Subscribe and Unsubscribe: small frames.
                options.MaximumReceiveMessageSize = 4 * 1024;
                options.EnableDetailedErrors = false;
            })
            .AddJsonProtocol()
            .AddMessagePackProtocol();
        builder.Services.AddSingleton<ReaderOutboxes>();
        builder.Services.AddSingleton<ReaderSubscriptions>();
        return builder;
    }

    /// <summary>A hub request that carries a connection (any transport), not a negotiate.</summary>
    public static bool IsHubConnection(HttpRequest request) =>
        request.Path.StartsWithSegments(FeedHubProtocol.Path, StringComparison.OrdinalIgnoreCase, out var rest)
        && !rest.StartsWithSegments("/negotiate", StringComparison.OrdinalIgnoreCase);

    public static WebApplication MapFeedHub(this WebApplication app)
    {
        var readers = app.Services.GetRequiredService<IOptions<LimitsOptions>>().Value.Readers;

        // Once the server is stopping, SignalR has closed its connections; one accepted now would keep the
        // shutdown waiting for it. Refuse it: the reader's reconnect finds another instance, or this one back.
        var stopping = app.Lifetime.ApplicationStopping;
        app.UseWhen(
            context => stopping.IsCancellationRequested && context.Request.Path.StartsWithSegments(FeedHubProtocol.Path, StringComparison.Ordinal),
            refuse => refuse.Run(context =>
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                context.Response.Headers.RetryAfter = "1";
                return Task.CompletedTask;
            }));

        // A WebSocket reader's outbox sends onto its socket directly (ReaderSocket keeps hold of it).
        app.UseWhen(context => IsHubConnection(context.Request), branch => ReaderSocket.UseReaderSockets(branch));

        // MapHub, with each connection's transport behind a ReaderOutbox: sends never wait for a reader.
        var options = new HttpConnectionDispatcherOptions
        {
            // The transport's own send timeout (WebSockets) is only a backstop: a WebSocket reader's outbox sends
            // on the socket itself (ReaderSocket), with its own timeout, which owns the policy (it drops, counts
            // and logs the stalled reader); what still goes through the transport's send loop is its close
            // message. Twice the outbox's, so that it never races the outbox. (Before the outbox sent on the
            // socket, it was what ended a frozen reader's send stuck behind SignalR's pipe: SlowReaderTests.)
            TransportSendTimeout = readers.SendTimeout * 2,
            // What a reader may send before the hub reads it: a few of its small messages.
            ApplicationMaxBufferSize = 16 * 1024,
            // Must stay off: a stateful reconnect gives the connection a new transport pipe and socket behind the
            // ReaderOutbox's back (it holds the first socket), and readers resume from their position anyway.
            AllowStatefulReconnects = false,
        };
        app.MapConnections(FeedHubProtocol.Path, options, connection => connection
                .Use(next => ReaderOutbox.Around(next, app.Services))
                .UseHub<FeedHub>())
            .WithMetadata(new HubMetadata(typeof(FeedHub)));
        return app;
    }
}
