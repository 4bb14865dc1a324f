using LiveFeed.Server.Api;
using LiveFeed.Server.ApiDocs;
using LiveFeed.Server.Audience;
using LiveFeed.Server.Broadcast;
using LiveFeed.Server.Compression;
using LiveFeed.Server.Cors;
using LiveFeed.Server.FeedDocuments;
using LiveFeed.Server.Health;
using LiveFeed.Server.HtmlPages;
using LiveFeed.Server.Hubs;
using LiveFeed.Server.Limits;
using LiveFeed.Server.Logging;
using LiveFeed.Server.Metrics;
using LiveFeed.Server.Newsroom;
using LiveFeed.Server.Pages;
using LiveFeed.Server.Schedule;
using LiveFeed.Server.Shutdown;
using Microsoft.Extensions.Options;
using LiveFeed.Server.Streams;
using Serilog;

namespace LiveFeed.Server.Hosting;

/// <summary>The server's wiring: what <c>Program.cs</c> calls.</summary>
internal static class LiveFeedHosting
{
    private const string AuthenticationMiddlewareSetKey = "__AuthenticationMiddlewareSet";

    /// <summary>Registers every LiveFeed service.</summary>
    public static IHostApplicationBuilder AddLiveFeed(this IHostApplicationBuilder builder)
    {
        // Serilog writes every log line: human-readable in Development, compact JSON elsewhere.
        builder.AddLiveFeedLogging();

        // The feed store (in memory, or Redis when ConnectionStrings:Redis is set) and the feed options.
        builder.AddFeedStore();

        // The hub readers connect to, with the JSON and MessagePack protocols.
        builder.AddFeedHub();

        // Events go to readers through one ordered broadcast.
        builder.Services.AddFeedBroadcast();

        // Server-Sent Events streams of a feed, for clients with no SignalR library.
        builder.Services.AddFeedStreams();

        // Readers following each feed right now, on every instance (GET /api/feeds/{feed}/audience).
        builder.AddAudience();

        // Newsroom keys authenticate writes; the newsroom service publishes, corrects and retracts.
        builder.AddNewsroom();

        // Scheduled items: the API's service, and the publisher on every instance that sends them out at their time.
        builder.AddSchedule();

        // Which other sites' pages may use the hub and the API (CORS).
        builder.AddLiveFeedCors();

        // Rate, size and connection limits: what one client may ask of the server (docs/security.md).
        builder.AddLiveFeedLimits();

        // Errors at the HTTP edge are RFC 9457 problem details.
        builder.Services.AddProblemDetails();

        // A stopping instance drains: not ready, no new readers, its readers closed a few at a time (docs/operations.md).
        builder.AddDrainingShutdown();

        // Liveness and readiness (readiness asks the store).
        builder.Services.AddHealthChecks().AddCheck<FeedStoreHealthCheck>("store", tags: [FeedStoreHealthCheck.ReadyTag]);

        // Metrics for Prometheus at /metrics: ASP.NET Core's, Kestrel's, SignalR's and LiveFeed's own.
        builder.AddLiveFeedMetrics();

        // Answers compressed for clients that accept it (Brotli, gzip); never the hub or a stream.
        builder.AddLiveFeedCompression();

        // Pages rendered from the store for readers who run no script: the reader page.
        builder.AddHtmlPages();

        // The OpenAPI document (/openapi/v1.json) and the API reference page (/docs).
        builder.AddApiDocs();

        return builder;
    }

    /// <summary>Maps every LiveFeed endpoint and middleware.</summary>
    public static WebApplication MapLiveFeed(this WebApplication app)
    {
        // Every setting is read and checked before anything uses one: a bad one stops the start here, all of them named
        // at once (BadSettings), rather than at the first read, or in the host's start, which logs a stack trace.
        app.Services.GetRequiredService<IStartupValidator>().Validate();

        // A hub connection or a stream is one request that lasts as long as its reader stays, so whatever a middleware
        // keeps for a request it keeps for every reader. Two are for the API and the pages only: request logging (the
        // hub and the streams log their readers themselves: connected, disconnected, dropped) and authentication (the
        // hub is anonymous). Negotiate requests are short and still logged.
        app.UseWhen(context => !ReaderRequests.IsReaderConnection(context.Request), branch => branch
            .UseSerilogRequestLogging(options => options.Logger = app.Services.GetService<Serilog.ILogger>()));
        app.UseLiveFeedCompression();
        // Not for a hub WebSocket: once open, nothing it does can be answered with an error page (SignalR ends the
        // connection and logs), and both middlewares would keep their state for every reader. Refusals before it opens
        // (origin, limits, drain) write their problem bodies themselves.
        app.UseWhen(context => !ReaderRequests.IsHubWebSocket(context.Request), branch => branch
            .UseExceptionHandler()
            .UseStatusCodePages());
        app.UsePages();
        app.UseLiveFeedCors();
        app.UseWhen(context => !CorsHosting.IsHub(context.Request) && !FeedStreamsApi.IsStream(context.Request), branch => branch.UseAuthentication());

        // WebApplication adds UseAuthentication in front of everything unless the root builder carries this mark
        // (WebApplicationBuilder's own key); the call above marks only its branch.
        ((IApplicationBuilder)app).Properties[AuthenticationMiddlewareSetKey] = true;
        app.UseLiveFeedLimits();
        app.UseAuthorization();

        app.UseDrainingShutdown();
        app.UseReadersOnlyWithRedis();

        app.MapFeedHub();
        app.MapFeedsApi();
        app.MapNewsroomApi();
        app.MapAudience();
        app.MapFeedStreams();
        app.MapFeedDocuments();
        app.MapHtmlPages();
        app.MapHealth();
        app.MapLiveFeedMetrics();
        app.MapApiDocs();
        app.LogDevelopmentNewsroomKey();
        return app;
    }
}
