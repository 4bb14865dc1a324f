using LiveFeed.Feeds;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace LiveFeed.Server.Health;

/// <summary>Ready means the store answers.</summary>
internal sealed class FeedStoreHealthCheck(IFeedStore store) : IHealthCheck
{
    public const string ReadyTag = "ready";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await store.CheckAvailableAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (FeedStoreUnavailableException exception)
        {
            return HealthCheckResult.Unhealthy("The feed store cannot be reached.", exception);
        }
    }
}

internal static class HealthEndpoints
{
    /// <summary><c>/health/live</c>: the process answers. <c>/health/ready</c>: and its store does too.</summary>
    public static WebApplication MapHealth(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains(FeedStoreHealthCheck.ReadyTag) });
        return app;
    }
}
