using LiveFeed.Contracts;
using LiveFeed.Feeds;
using LiveFeed.Server.Logging;
using LiveFeed.Server.Metrics;

namespace LiveFeed.Server.Api;

/// <summary>Rules shared by every route of the API.</summary>
internal static class ApiFilters
{
    /// <summary>Seconds a client waits before retrying when the store is unreachable.</summary>
    public const int RetryAfterSeconds = 5;

    /// <summary>400 naming the feed when the route's feed name breaks the naming rule.</summary>
    public static async ValueTask<object?> ValidateFeedName(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var feed = context.HttpContext.Request.RouteValues["feed"] as string;
        if (!FeedName.IsValid(feed))
        {
            return ApiProblems.Invalid("feed", $"A feed name is {FeedName.Rule}.");
        }

        return await next(context);
    }

    /// <summary>
    /// 503 with Retry-After when the store cannot be reached; the store has then stored nothing, except in the rare case
    /// it cannot tell (<see cref="FeedStoreUnavailableException.MayHaveStored"/>), which the answer says.
    /// </summary>
    public static async ValueTask<object?> AnswerStoreUnavailable(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (FeedStoreUnavailableException exception)
        {
            var logger = context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("LiveFeed.Api");
            context.HttpContext.RequestServices.GetRequiredService<LiveFeedMetrics>().StoreError("api");
            LiveFeedLog.StoreUnavailable(logger, $"{context.HttpContext.Request.Method} {context.HttpContext.Request.Path}", exception);
            context.HttpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var write = !HttpMethods.IsGet(context.HttpContext.Request.Method) && !HttpMethods.IsHead(context.HttpContext.Request.Method);
            return ApiProblems.StoreUnavailable(write, exception.MayHaveStored);
        }
    }
}
