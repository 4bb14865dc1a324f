using LiveFeed.Contracts;
using LiveFeed.Server.Health;
using LiveFeed.Server.Hosting;
using LiveFeed.Server.Hubs;
using LiveFeed.Server.Limits;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace LiveFeed.Server.Shutdown;

/// <summary>The draining shutdown: what a stopping instance does before it closes (docs/operations.md, "Deploying without a stampede").</summary>
internal static class ShutdownHosting
{
    /// <summary>What the host needs after the drain: SignalR's, Kestrel's and Redis's own stops, well inside this.</summary>
    private static readonly TimeSpan AfterDrain = TimeSpan.FromSeconds(15);

    public static IHostApplicationBuilder AddDrainingShutdown(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ShutdownOptions>()
            .BindSettings(ShutdownOptions.Section)
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ShutdownOptions>, ShutdownOptionsValidator>();
        builder.Services.AddSingleton<ReaderDrain>();
        builder.Services.AddHostedService<DrainOnStop>();

        // The drain runs inside the host's shutdown timeout: make room for it when the timeout is shorter.
        builder.Services.AddOptions<HostOptions>().PostConfigure<IOptions<ShutdownOptions>>((host, shutdown) =>
        {
            var needed = shutdown.Value.DrainWindow + AfterDrain;
            if (host.ShutdownTimeout != Timeout.InfiniteTimeSpan && host.ShutdownTimeout < needed)
            {
                host.ShutdownTimeout = needed;
            }
        });

        // A draining instance is not ready: load balancers and orchestrators stop sending it readers.
        builder.Services.AddHealthChecks().AddCheck<DrainHealthCheck>("draining", tags: [FeedStoreHealthCheck.ReadyTag]);
        return builder;
    }

    /// <summary>
    /// Refuses new hub connections once the instance is draining or stopping (503 with <c>Retry-After</c>): the
    /// reader's retry finds another instance, or this one back. Requests of connections already open (a long
    /// poll, a send) go on until the drain closes them.
    /// </summary>
    public static WebApplication UseDrainingShutdown(this WebApplication app)
    {
        var drain = app.Services.GetRequiredService<ReaderDrain>();
        var stopping = app.Lifetime.ApplicationStopping;
        app.UseWhen(
            context => (drain.IsDraining || stopping.IsCancellationRequested) && ReaderRequests.IsNewReader(context.Request),
            refuse => refuse.Run(context => LimitsHosting.RefuseAsync(
                context, StatusCodes.Status503ServiceUnavailable, 1, "This instance is shutting down",
                "Connect again after the number of seconds in Retry-After: the load balancer sends you to another instance.")));
        return app;
    }

    /// <summary>Runs the drain when the host starts stopping, before SignalR closes what is left.</summary>
    private sealed class DrainOnStop(IHostApplicationLifetime lifetime, ReaderDrain drain, IOptions<ShutdownOptions> options) : IHostedService, IDisposable
    {
        private CancellationTokenRegistration _registration;

        public Task StartAsync(CancellationToken cancellationToken)
        {
            // SignalR closes every connection at once, abruptly, from its own ApplicationStopping callback, which it
            // registered when the hub was mapped. Such callbacks run synchronously, the last registered first: this one,
            // registered at start, runs before SignalR's and holds it back until the drain is over. It blocks the
            // thread that stops the application, as SignalR's own callback does (for up to 5 s).
            _registration = lifetime.ApplicationStopping.Register(() =>
            {
                // The stop now holds two pool threads (this one, and the host's StopAsync waiting for it on the same
                // lock); on a small machine that can be all the pool has, and the readers' closes would wait for the
                // pool to grow. Give it two more for the drain.
                ThreadPool.GetMinThreads(out var workers, out var completions);
                ThreadPool.SetMinThreads(workers + 2, completions);
                try
                {
                    drain.DrainAsync(options.Value.DrainWindow).GetAwaiter().GetResult();
                }
                finally
                {
                    ThreadPool.SetMinThreads(workers, completions);
                }
            });
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public void Dispose() => _registration.Dispose();
    }

    private sealed class DrainHealthCheck(ReaderDrain drain) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(drain.IsDraining
                ? HealthCheckResult.Unhealthy("This instance is shutting down: its readers are moving to other instances.")
                : HealthCheckResult.Healthy());
    }
}
