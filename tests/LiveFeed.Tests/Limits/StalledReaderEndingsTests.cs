using LiveFeed.Server.Hubs;
using LiveFeed.Server.Limits;
using LiveFeed.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using static LiveFeed.Tests.Limits.SlowReaderSupport;

namespace LiveFeed.Tests.Limits;

/// <summary>
/// A reader that stopped reading with events queued for it, and then leaves, or the server stops: its connection
/// ends well before the send timeout (a minute here), it is not counted as dropped, and nothing stays queued.
/// </summary>
public sealed class StalledReaderEndingsTests
{
    private static readonly TimeSpan WellBeforeTheSendTimeout = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AStalledReaderThatLeavesIsGoneNotCountedAsDroppedAndNothingStaysQueued(bool closesItsWebSocket)
    {
        using var server = ServerWithAMinuteSendTimeout();
        var (outboxes, connections) = (server.Services.GetRequiredService<ReaderOutboxes>(), server.Services.GetRequiredService<ReaderConnections>());
        await using var stalled = await StalledReaderWithEventsQueuedAsync(server);

        // It sends a close frame (and reads nothing more), or it just drops its connection.
        if (closesItsWebSocket)
        {
            await stalled.CloseOutputAsync();
        }
        else
        {
            stalled.Abort();
        }

        await Eventually.HoldsAsync(() => Task.FromResult(connections.Count == 0), "the reader's hub connection ends", WellBeforeTheSendTimeout);
        await Eventually.HoldsAsync(() => Task.FromResult(outboxes.BufferedBytes == 0), "nothing stays queued", WellBeforeTheSendTimeout);
        Assert.Equal(0, outboxes.DroppedReaders);
    }

    [Fact]
    public async Task WhenTheServerStopsAStalledReadersConnectionEndsWithoutWaitingForTheSendTimeout()
    {
        using var server = ServerWithAMinuteSendTimeout();
        var connections = server.Services.GetRequiredService<ReaderConnections>();
        long open = 0;
        using var listener = ListenToThisServers(server, "signalr.server.active_connections", value => Interlocked.Add(ref open, value));
        await using var stalled = await StalledReaderWithEventsQueuedAsync(server);

        _ = Task.Run(server.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication);

        await Eventually.HoldsAsync(() => Task.FromResult(connections.Count == 0), "the reader's hub connection ends", WellBeforeTheSendTimeout);
        await Eventually.HoldsAsync(() => Task.FromResult(Interlocked.Read(ref open) == 0), "its WebSocket connection ends", WellBeforeTheSendTimeout);
    }

    private static LiveFeedServer ServerWithAMinuteSendTimeout() => new(
        new Dictionary<string, string?> { ["Limits:Readers:SendTimeout"] = "00:01:00" },
        services: SmallSocketSendBuffers);

    /// <summary>A reader that subscribed, pings, and reads nothing while 150 events (about 550 KB) are published.</summary>
    private static async Task<RawHubClient> StalledReaderWithEventsQueuedAsync(LiveFeedServer server)
    {
        using var newsroom = server.CreateNewsroomClient();
        var outboxes = server.Services.GetRequiredService<ReaderOutboxes>();
        var feed = NewsroomRequests.UniqueFeed("stalled");
        var stalled = await RawHubClient.ConnectAsync(server.BaseAddress, receiveBufferBytes: 4096);
        await stalled.HandshakeAsync();
        stalled.StartPinging();
        await stalled.SendSubscribeAsync(feed, "1");
        Assert.Contains("\"result\"", await stalled.ReceiveRecordAsync(), StringComparison.Ordinal);
        for (var i = 1; i <= 150; i++)
        {
            await newsroom.PublishAsync(feed, new { headline = $"Update {i}", body = Body });
        }

        Assert.True(outboxes.BufferedBytes > 0, "Nothing was queued: the reader's buffers took everything.");
        return stalled;
    }
}
