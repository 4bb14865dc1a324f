using LiveFeed.Contracts;

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
            .AddMessagePackProtocol();
        return builder;
    }

    public static WebApplication MapFeedHub(this WebApplication app)
    {
        app.MapHub<FeedHub>(FeedHubProtocol.Path);
        return app;
    }
}
