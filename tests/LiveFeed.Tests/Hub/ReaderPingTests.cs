using System.Collections.Concurrent;
using System.Text;
using LiveFeed.Server.Hubs;
using LiveFeed.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.DependencyInjection;

namespace LiveFeed.Tests.Hub;

/// <summary>
/// SignalR's keep-alive pings go to WebSocket readers that are not being sent events; a reader of a busy feed hears
/// the events instead, and gets pings again once its feed goes quiet (ReaderPings).
/// </summary>
public sealed class ReaderPingTests
{
    // A short keep-alive so that the test sees several: pings are left out within a quarter of it (1 s) after an event.
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(4);

    [Fact]
    public async Task AReaderOfABusyFeedGetsEventsInsteadOfPingsAndPingsAgainOnceItGoesQuiet()
    {
        using var server = new LiveFeedServer(services: services => services.Configure<HubOptions>(options => options.KeepAliveInterval = KeepAlive));
        var busyFeed = NewsroomRequests.UniqueFeed("busy");
        var quietFeed = NewsroomRequests.UniqueFeed("quiet");
        await using var busyJson = await FrameReader.StartAsync(server, new JsonHubProtocol(), busyFeed);
        await using var busyMessagePack = await FrameReader.StartAsync(server, new MessagePackHubProtocol(), busyFeed);
        await using var quietJson = await FrameReader.StartAsync(server, new JsonHubProtocol(), quietFeed);
        await using var quietMessagePack = await FrameReader.StartAsync(server, new MessagePackHubProtocol(), quietFeed);
        using var newsroom = server.CreateNewsroomClient();

        // Three keep-alive intervals and more of an event every 150 ms.
        var published = 0;
        var until = DateTime.UtcNow + (KeepAlive * 3) + TimeSpan.FromSeconds(1);
        while (DateTime.UtcNow < until)
        {
            await newsroom.PublishAsync(busyFeed, $"Flash {++published}");
            await Task.Delay(150);
        }

        await Eventually.HoldsAsync(
            () => Task.FromResult(busyJson.Events == published && busyMessagePack.Events == published), "both busy readers got every event", TestReader.Timeout);
        Assert.Equal(0, busyJson.Pings);
        Assert.Equal(0, busyMessagePack.Pings);
        Assert.InRange(quietJson.Pings, 2, 5);
        Assert.InRange(quietMessagePack.Pings, 2, 5);
        Assert.True(server.Services.GetRequiredService<ReaderPings>().Skipped >= 4);

        // Quiet now: the busy readers are pinged again within an interval, a quarter, and the heartbeat's second.
        await Eventually.HoldsAsync(
            () => Task.FromResult(busyJson.Pings > 0 && busyMessagePack.Pings > 0), "the readers of the feed gone quiet are pinged",
            KeepAlive + (KeepAlive / 4) + TimeSpan.FromSeconds(3));
    }

    /// <summary>A reader on a raw WebSocket in either protocol, subscribed to one feed, counting the messages it receives.</summary>
    private sealed class FrameReader : IAsyncDisposable
    {
        private static readonly byte[] EventTarget = Encoding.UTF8.GetBytes("FeedEvent");

        private readonly RawHubClient _client;
        private readonly byte[] _ping;
        private readonly ConcurrentQueue<byte[]> _frames = new();
        private Task _reading = Task.CompletedTask;

        private FrameReader(RawHubClient client, IHubProtocol protocol)
        {
            _client = client;
            _ping = protocol.GetMessageBytes(PingMessage.Instance).ToArray();
        }

        public int Pings => _frames.Count(frame => frame.AsSpan().SequenceEqual(_ping));

        public int Events => _frames.Count(frame => frame.AsSpan().IndexOf(EventTarget) >= 0);

        public static async Task<FrameReader> StartAsync(LiveFeedServer server, IHubProtocol protocol, string feed)
        {
            var client = await RawHubClient.ConnectAsync(server.BaseAddress);
            var reader = new FrameReader(client, protocol);
            await client.HandshakeAsync(protocol.Name);
            var subscribe = protocol.GetMessageBytes(new InvocationMessage("1", "Subscribe", [feed, null, null]));
            await client.SendAsync(subscribe, protocol.TransferFormat == Microsoft.AspNetCore.Connections.TransferFormat.Binary
                ? System.Net.WebSockets.WebSocketMessageType.Binary
                : System.Net.WebSockets.WebSocketMessageType.Text);

            reader._reading = Task.Run(async () =>
            {
                while (await client.ReceiveFrameAsync(Timeout.InfiniteTimeSpan) is { } frame)
                {
                    reader._frames.Enqueue(frame);
                }
            });

            // Subscribed once its completion (type 3) came: the reader follows the feed from here on.
            await Eventually.HoldsAsync(
                () => Task.FromResult(reader._frames.Any(frame => !frame.AsSpan().SequenceEqual(reader._ping))), "subscribed", TestReader.Timeout);
            return reader;
        }

        public async ValueTask DisposeAsync()
        {
            await _client.DisposeAsync();
            await _reading.ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }
}
