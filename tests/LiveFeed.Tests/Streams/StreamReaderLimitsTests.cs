using System.Net;
using System.Net.Sockets;
using System.Text;
using LiveFeed.Server.Hubs;
using LiveFeed.Server.Limits;
using LiveFeed.Server.Shutdown;
using LiveFeed.Tests.Infrastructure;
using LiveFeed.Tests.Limits;
using Microsoft.Extensions.DependencyInjection;

namespace LiveFeed.Tests.Streams;

/// <summary>A stream is a reader like a hub connection: the same caps, the same slow-reader rule, the same drain.</summary>
public sealed class StreamReaderLimitsTests
{
    [Fact]
    public async Task StreamsCountAgainstTheReaderCapWithHubConnectionsAndPastItAnswer503WithRetryAfter()
    {
        using var server = new LiveFeedServer(new Dictionary<string, string?> { ["Limits:MaxReaderConnections"] = "1" });
        var feed = NewsroomRequests.UniqueFeed("cap");
        var first = await EventStreamClient.OpenAsync(server.BaseAddress, feed);

        using (var refused = await EventStreamClient.SendAsync(server.BaseAddress, feed))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.NotNull(refused.Headers.RetryAfter);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        }

        using (var client = server.CreateAnonymousClient())
        using (var negotiate = await client.PostAsync(new Uri("/hubs/feed/negotiate?negotiateVersion=1", UriKind.Relative), null))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, negotiate.StatusCode);
        }

        await first.DisposeAsync();
        await Eventually.HoldsAsync(async () =>
        {
            using var again = await EventStreamClient.SendAsync(server.BaseAddress, feed);
            return again.StatusCode == HttpStatusCode.OK;
        }, "a stream is taken again once the first has gone", TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task NewStreamsFromOneAddressPastTheConnectionLimitAnswer429WithRetryAfter()
    {
        using var server = new LiveFeedServer(new Dictionary<string, string?>
        {
            ["Limits:NewConnections:TokenLimit"] = "1",
            ["Limits:NewConnections:TokensPerPeriod"] = "1",
            ["Limits:NewConnections:ReplenishmentPeriod"] = "00:01:00",
        });
        var feed = NewsroomRequests.UniqueFeed("rate");
        await using var first = await EventStreamClient.OpenAsync(server.BaseAddress, feed);

        using var refused = await EventStreamClient.SendAsync(server.BaseAddress, feed);

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter);
    }

    [Fact]
    public async Task ADrainEndsEveryStreamProperlyAndRefusesNewOnes()
    {
        using var server = new LiveFeedServer();
        var feed = NewsroomRequests.UniqueFeed("drain");
        await using var first = await EventStreamClient.OpenAsync(server.BaseAddress, feed);
        await using var second = await EventStreamClient.OpenAsync(server.BaseAddress, feed);
        Assert.Equal("reset", (await first.NextEventAsync()).Event);
        Assert.Equal("reset", (await second.NextEventAsync()).Event);
        var drain = server.Services.GetRequiredService<ReaderDrain>();
        Assert.Equal(2, drain.OpenReaders);

        var draining = drain.DrainAsync(TimeSpan.FromSeconds(1));

        // Each response ends (the reader reconnects elsewhere after its retry: advice), and the drain sees them gone.
        await first.EndsAsync(TimeSpan.FromSeconds(5));
        await second.EndsAsync(TimeSpan.FromSeconds(5));
        await draining.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(0, drain.OpenReaders);
        using var refused = await EventStreamClient.SendAsync(server.BaseAddress, feed);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter);
    }

    [Fact]
    public async Task AStalledStreamIsDroppedWithoutHoldingUpOthersAndResumesByLastEventId()
    {
        using var server = new LiveFeedServer(
            new Dictionary<string, string?>
            {
                ["Limits:Readers:SendTimeout"] = "00:00:01",
                ["Limits:Readers:MaxBufferedBytes"] = "16384",
            },
            services: SlowReaderSupport.SmallSocketSendBuffers);
        var feed = NewsroomRequests.UniqueFeed("stall");
        await using var healthy = await EventStreamClient.OpenAsync(server.BaseAddress, feed);
        var start = await healthy.NextEventAsync();

        // A reader that asks for the stream and never reads a byte, with a small window.
        using var stalled = new Socket(SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        await stalled.ConnectAsync(IPAddress.Loopback, server.BaseAddress.Port);
        await stalled.SendAsync(Encoding.ASCII.GetBytes($"GET /api/feeds/{feed}/stream HTTP/1.1\r\nHost: localhost\r\n\r\n"));
        var readers = server.Services.GetRequiredService<ReaderConnections>();
        await Eventually.HoldsAsync(() => Task.FromResult(readers.Count == 2), "the stalled stream is open", TimeSpan.FromSeconds(10));

        // The healthy stream reads all along (at most 16 KiB may wait for a reader here).
        const int Count = 60;
        var reading = healthy.NextEventsAsync(Count, TimeSpan.FromSeconds(5));
        using var newsroom = server.CreateNewsroomClient();
        for (var i = 1; i <= Count; i++)
        {
            await newsroom.PublishAsync(feed, new { headline = $"Item {i}", body = SlowReaderSupport.Body });
        }

        // The healthy stream gets every event, in order, while the stalled one is not read.
        var records = await reading;
        Assert.Equal(Enumerable.Range(1, Count).Select(i => (long)i), records.Select(record => record.FeedEvent.Sequence));

        var outboxes = server.Services.GetRequiredService<ReaderOutboxes>();
        await Eventually.HoldsAsync(() => Task.FromResult(outboxes.DroppedReaders == 1 && readers.Count == 1),
            "the stalled stream is dropped and no longer counted", TimeSpan.FromSeconds(15));
        Assert.Equal(0, outboxes.BufferedBytes);

        // Its reader, back, resumes from the last position it had.
        await using var resumed = await EventStreamClient.OpenAsync(server.BaseAddress, feed, lastEventId: start.Id);
        Assert.Equal(Enumerable.Range(1, Count).Select(i => (long)i), (await resumed.NextEventsAsync(Count)).Select(record => record.FeedEvent.Sequence));
    }
}
