using System.Text;
using System.Text.Json;
using LiveFeed.Contracts;
using LiveFeed.Feeds.Redis;
using LiveFeed.Server.Broadcast;
using LiveFeed.Server.Logging;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace LiveFeed.Server.Streams;

/// <summary>
/// Carries stored events between instances for the streams (the SignalR backplane carries hub groups only): each
/// instance publishes every event it stored on one Redis channel (<see cref="RedisFeedKeys.StoredEvents"/>), in the
/// order <see cref="StoredEvents"/> has them, and hands every event it hears there from another instance to its own
/// <see cref="StoredEvents"/>. Redis delivers one publisher's messages in the order they were published, so each
/// instance's events arrive in the order it stored them; events of two instances interleave in any order, and
/// pub/sub loses what is published while an instance is cut off (or killed between storing and publishing). The
/// streams' <see cref="FeedSequence"/> puts them in order and reads what is missing from the store: when a later event
/// shows the gap, when the subscription to Redis comes back, and every <see cref="StreamTiming.StoreCheck"/> anyway.
/// </summary>
internal sealed class RedisEventRelay(
    IConnectionMultiplexer redis,
    StoredEvents storedEvents,
    FeedStreams streams,
    StreamTiming timing,
    IOptions<JsonHubProtocolOptions> hubJson,
    ILogger<RedisEventRelay> logger) : BackgroundService, IStoredEventListener
{
    // Names this process on the channel, so that it skips its own events (it handed them over itself already).
    private readonly string _origin = Guid.NewGuid().ToString("N");
    private readonly JsonSerializerOptions _json = hubJson.Value.PayloadSerializerOptions;

    public ValueTask OnStoredEventAsync(FeedEvent feedEvent, bool storedHere)
    {
        if (storedHere)
        {
            try
            {
                // Fire and forget, in order on the one connection: the loop never waits for Redis.
                var message = Encoding.UTF8.GetBytes(_origin + "\n" + JsonSerializer.Serialize(feedEvent, _json));
                redis.GetSubscriber().Publish(RedisFeedKeys.StoredEvents, message, CommandFlags.FireAndForget);
            }
            catch (RedisException exception)
            {
                // Redis is away: the other instances' streams read this event from the store (see StoreCheck).
                LiveFeedLog.RelayFailed(logger, feedEvent.Feed, feedEvent.Sequence, exception);
            }
        }

        return ValueTask.CompletedTask;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // What was published while the subscription was down is lost: ask the store at once when it is back.
        redis.ConnectionRestored += (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Subscription)
            {
                streams.CheckStore();
            }
        };

        // Redis may be away at start: keep trying. Once subscribed, the connection subscribes again by itself.
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var queue = await redis.GetSubscriber().SubscribeAsync(RedisFeedKeys.StoredEvents);
                queue.OnMessage(Heard);
                break;
            }
            catch (RedisException)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
        }

        using var timer = new PeriodicTimer(timing.StoreCheck);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            streams.CheckStore();
        }
    }

    // ChannelMessageQueue.OnMessage hands messages over one at a time, in the order they came.
    private void Heard(ChannelMessage message)
    {
        var text = (string?)message.Message;
        var newline = text?.IndexOf('\n', StringComparison.Ordinal) ?? -1;
        if (newline <= 0 || text.AsSpan(0, newline).SequenceEqual(_origin))
        {
            return;
        }

        try
        {
            if (JsonSerializer.Deserialize<FeedEvent>(text.AsSpan(newline + 1), _json) is { } feedEvent)
            {
                storedEvents.Heard(feedEvent);
            }
        }
        catch (JsonException exception)
        {
            LiveFeedLog.RelayUnreadable(logger, exception);
        }
    }
}

internal static class RedisEventRelayHosting
{
    /// <summary>With Redis: the relay of stored events between instances (<see cref="RedisEventRelay"/>).</summary>
    public static IServiceCollection AddRedisEventRelay(this IServiceCollection services)
    {
        services.AddSingleton<RedisEventRelay>();
        services.AddHostedService(provider => provider.GetRequiredService<RedisEventRelay>());
        services.AddSingleton<IStoredEventListener>(provider => provider.GetRequiredService<RedisEventRelay>());
        return services;
    }
}
