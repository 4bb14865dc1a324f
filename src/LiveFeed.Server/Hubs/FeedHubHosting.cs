using LiveFeed.Contracts;
using LiveFeed.Server.Limits;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using LiveFeed.Server.Shutdown;
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
            .AddMessagePackProtocol()
            .WithArgumentErrorsNamed();
        builder.Services.AddSingleton<ReaderOutboxes>();
        builder.Services.AddSingleton<ReaderPings>();
        builder.Services.AddSingleton<ReaderSubscriptions>();
        return builder;
    }

    /// <summary>
    /// The hub's groups held by <see cref="LocalFeedGroups"/> (one array of this instance's readers per feed, each event
    /// serialised once per protocol for all of them), over SignalR's own lifetime manager for everything else:
    /// <typeparamref name="TInner"/>, SignalR's default one, or its Redis one (the backplane) when
    /// <paramref name="backplane"/> is set.
    /// </summary>
    public static IServiceCollection AddLocalFeedGroups<TInner>(this IServiceCollection services, bool backplane)
        where TInner : HubLifetimeManager<FeedHub>
    {
        services.AddSingleton<TInner>();
        services.AddSingleton(provider => new LocalFeedGroups(
            provider.GetRequiredService<TInner>(), backplane, provider.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton<HubLifetimeManager<FeedHub>>(provider => provider.GetRequiredService<LocalFeedGroups>());
        return services;
    }

    /// <summary>A hub request that carries a connection (any transport), not a negotiate.</summary>
    public static bool IsHubConnection(HttpRequest request) =>
        request.Path.StartsWithSegments(FeedHubProtocol.Path, StringComparison.OrdinalIgnoreCase, out var rest)
        && !rest.StartsWithSegments("/negotiate", StringComparison.OrdinalIgnoreCase);

    /// <summary>A negotiate, or a connect without a connection id (WebSockets with negotiation skipped): a reader arriving.</summary>
    public static bool IsNewHubConnection(HttpRequest request) =>
        request.Path.StartsWithSegments(FeedHubProtocol.Path, StringComparison.OrdinalIgnoreCase, out var rest)
        && (rest.Equals("/negotiate", StringComparison.OrdinalIgnoreCase) || (!rest.HasValue && !request.Query.ContainsKey("id")));

    public static WebApplication MapFeedHub(this WebApplication app)
    {
        var readers = app.Services.GetRequiredService<IOptions<LimitsOptions>>().Value.Readers;
        var drain = app.Services.GetRequiredService<ReaderDrain>();

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
                .Use(drain.Track)
                .Use(next => ReaderOutbox.Around(next, app.Services))
                .UseHub<FeedHub>())
            .WithMetadata(new HubMetadata(typeof(FeedHub)));
        return app;
    }
}
