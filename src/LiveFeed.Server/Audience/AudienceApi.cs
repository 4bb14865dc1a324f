using LiveFeed.Feeds.Redis;
using LiveFeed.Server.Api;
using LiveFeed.Server.Hosting;
using LiveFeed.Server.Newsroom;
using Microsoft.AspNetCore.Http.HttpResults;
using StackExchange.Redis;

namespace LiveFeed.Server.Audience;

/// <summary>
/// <c>GET /api/feeds/{feed}/audience</c> (newsroom key): the feed's readers right now on every instance, hub connections
/// and streams. In memory, this instance's own; on Redis, the sum of every instance's last report (<see cref="RedisAudienceCounts"/>).
/// </summary>
internal static class AudienceApi
{
    public static IHostApplicationBuilder AddAudience(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<FeedAudience>();
        // The store's choice (FeedStoreHosting, before this): on Redis, the instances share their counts there.
        if (!builder.Services.Any(service => service.ServiceType == typeof(IConnectionMultiplexer)))
        {
            builder.Services.AddSingleton<IAudienceCounts, LocalAudienceCounts>();
            return builder;
        }

        builder.Services.AddSingleton(provider => new RedisAudienceCounts(
            provider.GetRequiredService<IConnectionMultiplexer>(), provider.GetRequiredService<RedisFeedKeys>(),
            provider.GetRequiredService<FeedAudience>(), provider.GetRequiredService<ILogger<RedisAudienceCounts>>()));
        builder.Services.AddSingleton<IAudienceCounts>(provider => provider.GetRequiredService<RedisAudienceCounts>());
        builder.Services.AddHostedService(provider => provider.GetRequiredService<RedisAudienceCounts>());
        return builder;
    }

    public static WebApplication MapAudience(this WebApplication app)
    {
        app.MapGroup("/api/feeds/{feed}")
            .AddEndpointFilter(ApiFilters.AnswerStoreUnavailable)
            .AddEndpointFilter(ApiFilters.ValidateFeedName)
            .WithTags("Newsroom")
            .MapGet("/audience", Count)
            .AnswersHead()
            .RequireNewsroomKey()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    private static async Task<Ok<FeedAudienceAnswer>> Count(string feed, IAudienceCounts counts, HttpResponse response, CancellationToken cancellationToken)
    {
        var count = await counts.CountAsync(feed, cancellationToken);
        response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(new FeedAudienceAnswer(feed, count.Readers, count.At));
    }
}

/// <summary>The answer of <c>GET /api/feeds/{feed}/audience</c>.</summary>
/// <param name="Feed">The feed.</param>
/// <param name="Readers">Hub connections subscribed to it and streams of it, on every instance.</param>
/// <param name="At">When the oldest count in the sum was taken: at most a few seconds ago.</param>
internal sealed record FeedAudienceAnswer(string Feed, long Readers, DateTime At);
