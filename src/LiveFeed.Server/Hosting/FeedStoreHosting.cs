using LiveFeed.Feeds;
using LiveFeed.Feeds.InMemory;

namespace LiveFeed.Server.Hosting;

internal static class FeedStoreHosting
{
    /// <summary>The one place the store is chosen. For now: in memory, one instance.</summary>
    public static IHostApplicationBuilder AddFeedStore(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<FeedOptions>()
            .BindConfiguration(FeedOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<IFeedStore, InMemoryFeedStore>();
        return builder;
    }
}
