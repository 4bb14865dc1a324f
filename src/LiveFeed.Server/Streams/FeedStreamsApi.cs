using LiveFeed.Feeds;
using LiveFeed.Server.Api;
using LiveFeed.Server.Broadcast;
using LiveFeed.Server.Hubs;
using LiveFeed.Server.Limits;
using LiveFeed.Server.Logging;
using LiveFeed.Server.Metrics;
using LiveFeed.Server.Shutdown;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace LiveFeed.Server.Streams;

/// <summary>
/// <c>GET /api/feeds/{feed}/stream</c>: a feed as Server-Sent Events, for clients with no SignalR library. A stream is a
/// reader like a hub connection: counted against <c>Limits:MaxReaderConnections</c> and the per-address limit on new
/// connections, behind its own <see cref="ReaderOutbox"/>, and drained by <see cref="ReaderDrain"/>.
/// </summary>
internal static class FeedStreamsApi
{
    /// <summary>What the metrics call a stream reader's transport.</summary>
    public const string Transport = "EventStream";

    public static IServiceCollection AddFeedStreams(this IServiceCollection services)
    {
        services.AddSingleton<EventStreamRecords>();
        services.AddSingleton(new StreamTiming());
        services.AddSingleton<FeedStreams>();
        services.AddHostedService(provider => provider.GetRequiredService<FeedStreams>());
        services.AddSingleton<IStoredEventListener>(provider => provider.GetRequiredService<FeedStreams>());
        return services;
    }

    public static WebApplication MapFeedStreams(this WebApplication app)
    {
        app.MapGroup("/api/feeds/{feed}")
            .AddEndpointFilter(ApiFilters.AnswerStoreUnavailable)
            .AddEndpointFilter(ApiFilters.ValidateFeedName)
            .WithTags("Feeds")
            .MapGet("/stream", Stream)
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    /// <summary>A stream request: <c>GET /api/feeds/{feed}/stream</c>.</summary>
    public static bool IsStream(HttpRequest request) =>
        HttpMethods.IsGet(request.Method)
        && request.Path.StartsWithSegments("/api/feeds", StringComparison.OrdinalIgnoreCase, out var rest)
        && rest.Value is { } path
        && path.EndsWith("/stream", StringComparison.OrdinalIgnoreCase)
        && path.LastIndexOf('/', path.Length - "/stream".Length - 1) == 0;

    private static async Task<EmptyHttpResult> Stream(
        string feed,
        HttpContext context,
        IFeedStore store,
        FeedStreams streams,
        EventStreamRecords records,
        StreamTiming timing,
        ReaderConnections readers,
        ReaderDrain drain,
        IOptions<LimitsOptions> limits,
        LiveFeedMetrics metrics,
        ILogger<FeedStream> logger)
    {
        // The middleware turned readers away at the cap already; this count is the one that cannot race.
        if (!readers.TryAdd(limits.Value.MaxReaderConnections))
        {
            await LimitsHosting.RefuseReaderAsync(context, context.RequestServices);
            return TypedResults.Empty;
        }

        try
        {
            await RunAsync(feed, context, store, streams, records, timing, drain, metrics, logger);
        }
        finally
        {
            readers.Remove();
        }

        return TypedResults.Empty;
    }

    private static async Task RunAsync(
        string feed, HttpContext context, IFeedStore store, FeedStreams streams, EventStreamRecords records, StreamTiming timing,
        ReaderDrain drain, LiveFeedMetrics metrics, ILogger logger)
    {
        // Last-Event-ID (an EventSource reconnecting) wins over ?after= (the first connection). A malformed one is none.
        var lastEventId = context.Request.Headers["Last-Event-ID"].ToString();
        var position = EventStreamRecords.ParsePosition(lastEventId.Length > 0 ? lastEventId : context.Request.Query["after"].ToString());

        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-store";
        // nginx: pass each record on at once, whatever the location's proxy_buffering says.
        response.Headers["X-Accel-Buffering"] = "no";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();

        var id = "stream-" + context.TraceIdentifier;
        var stream = new FeedStream(feed, id, ReaderOutbox.ForResponse(context, id, context.RequestServices));
        using var tracked = drain.Track(id, stream.Close);

        // Join the feed's live events before reading the store (the rule of Subscribe): an event stored after the read
        // is handed to this stream; one stored before is in the page; one in both is sent once.
        var sequence = streams.Join(stream);
        var connected = false;
        try
        {
            var page = await store.ReadAsync(feed, position, int.MaxValue, context.RequestAborted);
            connected = true;
            metrics.ReaderConnected(Transport);
            metrics.Subscribed(page, hadPosition: position is not null);
            LiveFeedLog.StreamOpened(logger, id, feed, page.Reset ? "reset" : $"{page.Events.Count} events", page.Sequence);

            var (least, most) = timing.Retry;
            sequence.Started(stream, EventStreamRecords.Retry(least + ((most - least) * Random.Shared.NextDouble())), page);
            await stream.Ended.WaitAsync(context.RequestAborted);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The reader went away.
        }
        finally
        {
            streams.Leave(sequence, stream);
            await stream.FinishAsync();
            if (connected)
            {
                metrics.ReaderDisconnected(Transport);
                LiveFeedLog.StreamClosed(logger, id);
            }
        }
    }
}
