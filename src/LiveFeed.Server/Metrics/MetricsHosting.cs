using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace LiveFeed.Server.Metrics;

internal static class MetricsHosting
{
    /// <summary>
    /// OpenTelemetry metrics for Prometheus: ASP.NET Core's requests, Kestrel's connections, SignalR's
    /// connections, the runtime's own (GC, thread pool, CPU: the built-in <c>System.Runtime</c> meter), and LiveFeed's.
    /// </summary>
    public static IHostApplicationBuilder AddLiveFeedMetrics(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<LiveFeedMetrics>();
        builder.Services.AddOpenTelemetry()
            // target_info names the service; OTEL_SERVICE_NAME or OTEL_RESOURCE_ATTRIBUTES override it. The environment's
            // detector again after AddService: of two resources the later one's attributes win.
            .ConfigureResource(resource => resource.AddService("livefeed").AddEnvironmentVariableDetector())
            .WithMetrics(metrics => metrics
            .AddMeter("Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.Http.Connections", "System.Runtime", LiveFeedMetrics.MeterName)
            .AddPrometheusExporter(options =>
            {
                // Every scrape sees the counters as they are now (Prometheus scrapes seldom enough).
                options.ScrapeResponseCacheDurationMilliseconds = 0;
            }));
        return builder;
    }

    /// <summary><c>/metrics</c>: the Prometheus text format. Public like the health endpoints; keep it off the public port (see docs/operations.md).</summary>
    public static WebApplication MapLiveFeedMetrics(this WebApplication app)
    {
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }
}
