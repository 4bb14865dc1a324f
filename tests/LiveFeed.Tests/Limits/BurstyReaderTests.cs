using System.Text;
using System.Text.Json;
using LiveFeed.Server.Hubs;
using LiveFeed.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static LiveFeed.Tests.Limits.SlowReaderSupport;

namespace LiveFeed.Tests.Limits;

/// <summary>
/// Readers that read in bursts while events stream in, so that each outbox goes from sending directly to queueing
/// and back many times: each gets every event of each feed once and in order, in WebSocket messages that hold
/// whole records, none is dropped, and nothing stays queued.
/// </summary>
public sealed class BurstyReaderTests
{

    [Theory]
    [InlineData(1, 250)]
    [InlineData(3, 80)]
    public async Task BurstyReadersGetEveryEventOfEachFeedOnceInOrderInWholeMessages(int feedCount, int events)
    {
        using var server = new LiveFeedServer(services: SmallSocketSendBuffers);
        var outboxes = server.Services.GetRequiredService<ReaderOutboxes>();
        var feeds = Enumerable.Range(0, feedCount).Select(_ => NewsroomRequests.UniqueFeed("bursty")).ToList();
        const int Readers = 5;

        var clients = new List<RawHubClient>();
        try
        {
            for (var reader = 0; reader < Readers; reader++)
            {
                var client = await RawHubClient.ConnectAsync(server.BaseAddress, receiveBufferBytes: 4096);
                clients.Add(client);
                await client.HandshakeAsync();
                client.StartPinging();
                foreach (var feed in feeds)
                {
                    await client.SendSubscribeAsync(feed, feed);
                    Assert.Contains("\"result\"", await client.ReceiveRecordAsync(), StringComparison.Ordinal);
                }
            }

            var reading = clients.Select((client, index) => ReadInBurstsAsync(client, new Random(index), feedCount * events)).ToList();

            // The feeds are published side by side: group sends to the same readers overlap.
            await Task.WhenAll(feeds.Select(feed => Task.Run(async () =>
            {
                using var newsroom = server.CreateNewsroomClient();
                for (var i = 1; i <= events; i++)
                {
                    await newsroom.PublishAsync(feed, new { headline = $"Update {i}", body = Body });
                }
            })));

            foreach (var received in await Task.WhenAll(reading).WaitAsync(TimeSpan.FromSeconds(120)))
            {
                foreach (var feed in feeds)
                {
                    Assert.Equal(Enumerable.Range(1, events).Select(i => (long)i), received[feed]);
                }
            }

            Assert.True(outboxes.PeakBytesPerReader > 0, "No outbox ever queued: the readers' pauses were not felt.");
            Assert.Equal(0, outboxes.DroppedReaders);
            await Eventually.HoldsAsync(() => Task.FromResult(outboxes.BufferedBytes == 0), "nothing stays queued", TimeSpan.FromSeconds(10));
        }
        finally
        {
            await Task.WhenAll(clients.Select(client => client.DisposeAsync().AsTask()));
        }
    }

    /// <summary>Reads message by message, now and then pausing, until <paramref name="count"/> events arrived: each feed's sequences.</summary>
    private static async Task<Dictionary<string, List<long>>> ReadInBurstsAsync(RawHubClient client, Random random, int count)
    {
        await Task.Yield();
        var received = new Dictionary<string, List<long>>(StringComparer.Ordinal);
        var total = 0;
        while (total < count)
        {
            var message = await client.ReceiveFrameAsync(TimeSpan.FromSeconds(60));
            Assert.NotNull(message);
            var text = Encoding.UTF8.GetString(message);
            Assert.EndsWith(RawHubClient.RecordSeparator.ToString(), text, StringComparison.Ordinal);
            foreach (var record in text.Split(RawHubClient.RecordSeparator, StringSplitOptions.RemoveEmptyEntries))
            {
                using var json = JsonDocument.Parse(record);
                if (json.RootElement.GetProperty("type").GetInt32() == 1)
                {
                    var feedEvent = json.RootElement.GetProperty("arguments")[0];
                    var feed = feedEvent.GetProperty("feed").GetString()!;
                    if (!received.TryGetValue(feed, out var sequences))
                    {
                        received[feed] = sequences = [];
                    }

                    sequences.Add(feedEvent.GetProperty("sequence").GetInt64());
                    total++;
                }
            }

            if (random.Next(15) == 0)
            {
                await Task.Delay(random.Next(30, 200));
            }
            else if (random.Next(3) == 0)
            {
                await Task.Delay(random.Next(1, 5));
            }
        }

        return received;
    }
}
