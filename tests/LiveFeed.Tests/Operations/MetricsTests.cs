using System.Net;
using System.Net.Http.Json;
using LiveFeed.Tests.Infrastructure;

namespace LiveFeed.Tests.Operations;

/// <summary>
/// <c>/metrics</c> as Prometheus scrapes it. The server is its own process, so that what it counts is
/// only what this test did (meters are process-wide; in-process hosts of parallel tests would add up).
/// </summary>
public sealed class MetricsTests
{
    [Fact]
    public async Task TheServiceNameInTargetInfoComesFromOtelServiceNameWhenSet()
    {
        await using var server = new LiveFeedProcess(new Dictionary<string, string?> { ["OTEL_SERVICE_NAME"] = "news-east" });
        await server.StartAsync();
        using var client = new HttpClient { BaseAddress = server.BaseAddress };

        var metrics = await client.GetStringAsync(new Uri("/metrics", UriKind.Relative));

        var targetInfo = Assert.Single(metrics.Split('\n'), line => line.StartsWith("target_info{", StringComparison.Ordinal));
        Assert.Contains("service_name=\"news-east\"", targetInfo, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MetricsCountPublishesPushesReadersSubscribesResumesResetsAndStoreErrorsAlongsideTheBuiltInMeters()
    {
        await using var redis = await RedisServer.StartNewAsync();
        await using var server = new LiveFeedProcess(RedisSettings.For(redis));
        await server.StartAsync();
        using var newsroom = server.CreateNewsroomClient();
        var feed = NewsroomRequests.UniqueFeed("metrics");
        var hub = new Uri(server.BaseAddress, "/hubs/feed");

        // A fresh subscribe, two publishes the reader receives, a correction.
        await using var fresh = new TestReader(hub, HubProtocolKind.Json, Microsoft.AspNetCore.Http.Connections.HttpTransportType.WebSockets);
        await fresh.StartAsync();
        var first = await fresh.SubscribeAsync(feed);
        var posted = await newsroom.PublishAsync(feed, "First");
        await newsroom.PublishAsync(feed, "Second");
        using (var corrected = await newsroom.PutAsJsonAsync($"/api/feeds/{feed}/items/{posted.Id}", new { headline = "First, corrected" }))
        {
            Assert.Equal(HttpStatusCode.OK, corrected.StatusCode);
        }

        Assert.Equal([1L, 2L, 3L], (await fresh.NextEventsAsync(3)).Select(e => e.Sequence));

        // A resume from #1 (events after it) and a position from another epoch (a reset), on a second reader.
        await using var resuming = new TestReader(hub, HubProtocolKind.MessagePack, Microsoft.AspNetCore.Http.Connections.HttpTransportType.LongPolling);
        await resuming.StartAsync();
        Assert.False((await resuming.SubscribeAsync(feed, first.Epoch, 1)).Reset);
        Assert.True((await resuming.SubscribeAsync(feed, "another-epoch", 1)).Reset);

        // The pushes are counted once SignalR has sent them, which may be just after the reader got them.
        await Eventually.HoldsAsync(
            async () => (await PrometheusScrape.TakeAsync(server.BaseAddress)).Value("livefeed_messages_pushed_total") == 3,
            "livefeed_messages_pushed_total reaches 3");
        var scrape = await PrometheusScrape.TakeAsync(server.BaseAddress);

        Assert.Equal(2, scrape.Value("livefeed_events_published_total", ("feed", feed), ("kind", "published")));
        Assert.Equal(1, scrape.Value("livefeed_events_published_total", ("feed", feed), ("kind", "corrected")));
        Assert.Equal(2, scrape.Value("livefeed_publish_duration_seconds_count"));
        var latency = scrape.Value("livefeed_publish_duration_seconds_sum");
        Assert.InRange(latency, double.Epsilon, 60);
        Assert.Equal(2, scrape.Value("livefeed_publish_duration_seconds_bucket", ("le", "+Inf")));
        Assert.Equal(1, scrape.Value("livefeed_readers_connected", ("transport", "WebSockets")));
        Assert.Equal(1, scrape.Value("livefeed_readers_connected", ("transport", "LongPolling")));
        Assert.Equal(2, scrape.Value("livefeed_subscriptions"));
        Assert.Equal(3, scrape.Value("livefeed_subscribes_total"));
        Assert.Equal(1, scrape.Value("livefeed_resumes_total"));
        Assert.Equal(1, scrape.Value("livefeed_resets_total"));
        Assert.Equal(0, scrape.Value("livefeed_readers_dropped_total"));
        Assert.Equal(0, scrape.Value("livefeed_reader_outbox_bytes"));

        // The built-in meters: ASP.NET Core's requests, Kestrel's connections, SignalR's connections.
        Assert.Equal(2, scrape.Value("http_server_request_duration_seconds_count", ("http_route", "/api/feeds/{feed}/items"), ("http_response_status_code", "201")));
        Assert.InRange(scrape.Value("kestrel_active_connections"), 1, 100);
        Assert.Equal(1, scrape.Value("signalr_server_active_connections", ("signalr_transport", "web_sockets")));
        Assert.Equal(1, scrape.Value("signalr_server_active_connections", ("signalr_transport", "long_polling")));

        // The runtime's meter: the benchmark reads the bytes allocated per delivery from it.
        Assert.InRange(scrape.Value("dotnet_gc_heap_total_allocated_bytes_total"), 1, double.MaxValue);

        // A reader leaving is counted out.
        await resuming.DisposeAsync();
        await Eventually.HoldsAsync(
            async () => (await PrometheusScrape.TakeAsync(server.BaseAddress)).Value("livefeed_readers_connected", ("transport", "LongPolling")) == 0,
            "livefeed_readers_connected{transport=\"LongPolling\"} drops to 0");
        Assert.Equal(1, (await PrometheusScrape.TakeAsync(server.BaseAddress)).Value("livefeed_subscriptions"));

        // Redis away: a write answers 503 and counts a store error.
        Assert.Equal(0, scrape.All("livefeed_store_errors_total").Sum(s => s.Value));
        await redis.StopAsync();
        await Eventually.ReadyAnswersAsync(server.BaseAddress, HttpStatusCode.ServiceUnavailable);
        using (var refused = await newsroom.PostAsJsonAsync($"/api/feeds/{feed}/items", new { headline = "During the outage" }))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        }

        Assert.Equal(1, (await PrometheusScrape.TakeAsync(server.BaseAddress)).Value("livefeed_store_errors_total", ("source", "api")));
    }
}
