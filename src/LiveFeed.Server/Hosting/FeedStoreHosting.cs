using LiveFeed.Feeds;
using LiveFeed.Feeds.InMemory;
using LiveFeed.Feeds.Redis;
using LiveFeed.Feeds.Schedule;
using LiveFeed.Feeds.SharedReads;
using LiveFeed.Server.Api;
using LiveFeed.Server.Hubs;
using LiveFeed.Server.Limits;
using LiveFeed.Server.Logging;
using LiveFeed.Server.Streams;
using Microsoft.AspNetCore.SignalR.StackExchangeRedis;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace LiveFeed.Server.Hosting;

internal static class FeedStoreHosting
{
    /// <summary>
    /// The service key of the chosen store itself. <see cref="IFeedStore"/> is that store behind <see cref="SharedReadsFeedStore"/>:
    /// what everything uses.
    /// </summary>
    public const string Backing = "backing";

    /// <summary>
    /// The one place the store is chosen, and with it the schedule's store (<see cref="IScheduleStore"/>).
    /// <c>ConnectionStrings:Redis</c> unset: one instance, in memory. Set: the Redis stores, and the SignalR Redis backplane joining every instance on that Redis,
    /// both over one shared connection. Either way everything reads it through <see cref="SharedReadsFeedStore"/>,
    /// so that readers that come together cost the store one read.
    /// </summary>
    public static IHostApplicationBuilder AddFeedStore(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<FeedOptions>()
            .BindSettings(FeedOptions.Section)
            .ValidateAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<IFeedStore>(provider =>
            new SharedReadsFeedStore(provider.GetRequiredKeyedService<IFeedStore>(Backing), provider.GetRequiredService<TimeProvider>()));

        var redis = builder.Configuration.GetConnectionString("Redis");
        if (string.IsNullOrWhiteSpace(redis))
        {
            builder.Services.AddKeyedSingleton<IFeedStore, InMemoryFeedStore>(Backing);
            builder.Services.AddSingleton<IScheduleStore, InMemoryScheduleStore>();

            // One instance, no backplane: the feed groups are held and sent to by LiveFeed's own lifetime manager.
            builder.Services.AddLocalFeedGroups<Microsoft.AspNetCore.SignalR.DefaultHubLifetimeManager<FeedHub>>(backplane: false);
            return builder;
        }

        builder.Services.AddOptions<RedisStoreOptions>()
            .BindSettings(RedisStoreOptions.Section)
            .ValidateAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton(provider => new RedisFeedKeys(provider.GetRequiredService<IOptions<RedisStoreOptions>>().Value.Prefix));
        builder.Services.AddSingleton<IConnectionMultiplexer>(provider => ConnectRedis(redis, provider));
        builder.Services.AddKeyedSingleton<IFeedStore, RedisFeedStore>(Backing);
        builder.Services.AddSingleton<IScheduleStore, RedisScheduleStore>();

        // The backplane publishes each feed group's events to every instance, over the same connection.
        builder.Services.AddSignalR().AddStackExchangeRedis();
        builder.Services.AddLocalFeedGroups<RedisHubLifetimeManager<FeedHub>>(backplane: true);
        builder.Services.AddOptions<RedisOptions>().Configure<IServiceProvider>((options, provider) =>
            options.ConnectionFactory = _ => Task.FromResult(provider.GetRequiredService<IConnectionMultiplexer>()));

        // The other instances' events, for this instance's streams (the backplane carries hub groups only).
        builder.Services.AddRedisEventRelay();

        // Connect at start, not at the first request: a Redis that is down is then logged at once.
        builder.Services.AddHostedService<RedisConnectionStarter>();
        return builder;
    }

    private static ConnectionMultiplexer ConnectRedis(string configuration, IServiceProvider provider)
    {
        var logger = provider.GetRequiredService<ILoggerFactory>().CreateLogger("LiveFeed.Redis");
        var keys = provider.GetRequiredService<RedisFeedKeys>();

        var options = ConfigurationOptions.Parse(configuration);
        // Start without Redis and keep reconnecting; never give up.
        options.AbortOnConnectFail = false;
        // A command is sent now or fails now. Queued while Redis is away, a write could reach Redis
        // after its request was answered 503 ("nothing stored"), and a health check would hang.
        options.BacklogPolicy = BacklogPolicy.FailFast;
        // Retry soon after a blink, then every 5 s at most.
        options.ReconnectRetryPolicy = new ExponentialRetry(500, 5000);
        // The backplane's channels carry the prefix too, so deployments sharing a Redis do not hear each other.
        options.ChannelPrefix = keys.ChannelPrefix;

        var connection = ConnectionMultiplexer.Connect(options);
        connection.ConnectionFailed += (_, e) =>
            LiveFeedLog.RedisConnectionLost(logger, e.EndPoint?.ToString(), e.ConnectionType, e.FailureType, e.Exception);
        connection.ConnectionRestored += (_, e) =>
            LiveFeedLog.RedisConnectionRestored(logger, e.EndPoint?.ToString(), e.ConnectionType);
        if (!connection.IsConnected)
        {
            LiveFeedLog.RedisUnreachableAtStart(logger, string.Join(", ", options.EndPoints));
        }

        return connection;
    }

    /// <summary>
    /// With Redis, refuses new hub connections while it cannot be reached (503 with <c>Retry-After</c>), as the stream
    /// already is: the backplane subscribes each new connection to its own channels there, and a connection it cannot
    /// subscribe was accepted and then closed at once (WebSocket 1011, no close message). The reader retries as told
    /// and gets in once Redis is back. Connections already open stay (their Subscribe answers a HubException meanwhile).
    /// </summary>
    public static WebApplication UseReadersOnlyWithRedis(this WebApplication app)
    {
        if (app.Services.GetService<IServiceProviderIsService>()?.IsService(typeof(IConnectionMultiplexer)) != true)
        {
            return app;
        }

        app.UseWhen(
            context => FeedHubHosting.IsNewHubConnection(context.Request) && !context.RequestServices.GetRequiredService<IConnectionMultiplexer>().IsConnected,
            refuse => refuse.Run(context => LimitsHosting.RefuseAsync(
                context, StatusCodes.Status503ServiceUnavailable, ApiFilters.RetryAfterSeconds, "The feed store cannot be reached",
                "Connect again after the number of seconds in Retry-After.")));
        return app;
    }

    private sealed class RedisConnectionStarter(IServiceProvider provider) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            provider.GetRequiredService<IConnectionMultiplexer>();
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
