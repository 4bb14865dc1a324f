using LiveFeed.Contracts;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;

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

        // MapHub, with each connection's transport behind a ReaderOutbox: sends never wait for a reader.
        var options = new HttpConnectionDispatcherOptions
        {
            // No transport send timeout: the outbox owns that policy (it drops, counts and logs a reader whose
            // sends are not taken within Limits:Readers:SendTimeout, and the abort ends a send stuck on its socket).
            // With one, SignalR arms a cancellation for every send and the WebSocket takes its slower, cancellable
            // send path; with none, both are skipped (HttpConnectionDispatcherOptions.TransportSendTimeoutEnabled).
            TransportSendTimeout = Timeout.InfiniteTimeSpan,
            // What a reader may send before the hub reads it: a few of its small messages.
            ApplicationMaxBufferSize = 16 * 1024,
        };
        app.MapConnections(FeedHubProtocol.Path, options, connection => connection
                .Use(next => ReaderOutbox.Around(next, app.Services))
                .UseHub<FeedHub>())
            .WithMetadata(new HubMetadata(typeof(FeedHub)));
        return app;
    }
}
