using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using LiveFeed.Tests.Infrastructure;
using Xunit.Abstractions;

namespace LiveFeed.Tests.Operations;

/// <summary>
/// A rolling deploy, as an orchestrator does it: the compose topology run natively (two instances on one
/// redis-server, nginx with the project's template in front), readers on one instance, and that instance stopped
/// with SIGTERM while the newsroom keeps posting. Readers and the newsroom only know nginx. Everything runs as
/// operators run it (real processes, real sockets); the readers are lean, so that there can be thousands.
/// </summary>
[Collection(CrowdTests.Name)]
public sealed class DrainingShutdownTests(ITestOutputHelper output)
{
    private const int Readers = 2_000;

    // The default Shutdown:DrainWindow: the instances run as shipped.
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task AnInstanceStoppedWithSigtermHandsItsReadersToTheOtherOverTheWindowAndLosesNothing()
    {
        await using var topology = await ComposeTopology.StartAsync();
        var (first, second, nginx) = (topology.First, topology.Second, topology.Nginx);
        using var newsroom = topology.CreateNewsroomClient();
        var feed = NewsroomRequests.UniqueFeed("drain");
        await newsroom.PublishAsync(feed, "Before the readers came");

        var readers = Enumerable.Range(0, Readers).Select(_ => new LeanFollower(feed, [nginx.BaseAddress])).ToList();
        try
        {
            foreach (var batch in readers.Chunk(50))
            {
                await Task.WhenAll(batch.Select(reader => reader.StartAsync()));
            }

            // nginx keeps a client address on one instance: every reader is on the same one.
            var doomed = await first.ReadersConnectedAsync() == Readers ? first : second;
            var survivor = doomed == first ? second : first;
            Assert.Equal(Readers, await doomed.ReadersConnectedAsync());
            output.WriteLine($"{Readers} readers subscribed through nginx, all on {doomed.BaseAddress}");

            // The newsroom posts throughout, through nginx.
            using var stopPublishing = new CancellationTokenSource();
            var publisher = PublishUntilAsync(feed, newsroom, stopPublishing.Token);
            await Task.Delay(500);

            // An orchestrator's readiness probe, asking as fast as it can, on a connection made before the stop.
            using var probe = doomed.CreateAnonymousClient();
            using (await probe.GetAsync("/health/ready"))
            {
            }

            var clock = Stopwatch.StartNew();
            var terminatedAt = DateTime.UtcNow;
            await doomed.TerminateAsync();
            while (true)
            {
                using var ready = await probe.GetAsync("/health/ready");
                if (ready.StatusCode == HttpStatusCode.ServiceUnavailable || clock.Elapsed > TimeSpan.FromSeconds(5))
                {
                    break;
                }
            }

            var notReadyAfter = clock.Elapsed;
            using (var refused = await probe.PostAsync("/hubs/feed/negotiate?negotiateVersion=1", null))
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
                Assert.NotNull(refused.Headers.RetryAfter);
            }

            var exitCode = await doomed.WaitForExitAsync(Window + TimeSpan.FromSeconds(10));
            var exitedAfter = clock.Elapsed;
            await Task.Delay(500);
            await stopPublishing.CancelAsync();
            var acknowledged = await publisher;
            var head = await HeadAsync(newsroom, feed);
            output.WriteLine($"not ready after {notReadyAfter.TotalMilliseconds:F0} ms, exited ({exitCode}) after {exitedAfter.TotalSeconds:F1} s; {acknowledged} items acknowledged, feed at #{head}");

            await Eventually.HoldsAsync(
                () => Task.FromResult(readers.All(reader => reader.Last == head)),
                $"every reader reaches #{head} (behind: {readers.Count(reader => reader.Last != head)})",
                TimeSpan.FromSeconds(30));

            Assert.True(notReadyAfter < TimeSpan.FromSeconds(1), $"/health/ready answered 503 only after {notReadyAfter.TotalMilliseconds:F0} ms.");
            Assert.True(exitedAfter < Window + TimeSpan.FromSeconds(5), $"The instance exited {exitedAfter.TotalSeconds:F1} s after SIGTERM.");
            Assert.Equal(0, exitCode);
            Assert.True(head >= 1 + acknowledged, $"The feed is at #{head}, but {acknowledged} items were acknowledged after the first.");

            // Nothing lost, nothing twice, in order; every reader moved once, told it could reconnect, with a proper close.
            foreach (var reader in readers)
            {
                Assert.Null(reader.Failure);
                Assert.Equal(Enumerable.Range(2, (int)head - 1).Select(sequence => (long)sequence), reader.Applied.Select(applied => applied.Sequence));
                Assert.Equal(0, reader.Held);
                Assert.Equal(0, reader.Resets);
                var close = Assert.Single(reader.Closes);
                Assert.True(close.HubCloseAllowsReconnect, "The hub's close message let the reader reconnect.");
                Assert.Equal(WebSocketCloseStatus.NormalClosure, close.WebSocketClose);
            }

            Assert.Equal(Readers, await survivor.ReadersConnectedAsync());

            // Spread over the window: no second holds more than a fifth of the closes.
            var perSecond = readers
                .GroupBy(reader => (int)(reader.Closes[0].At - terminatedAt).TotalSeconds)
                .OrderBy(second => second.Key)
                .Select(second => (second.Key, Count: second.Count()))
                .ToList();
            output.WriteLine("closes per second after SIGTERM: " + string.Join(", ", perSecond.Select(s => $"{s.Key}s: {s.Count}")));
            Assert.All(perSecond, second => Assert.True(second.Count <= Readers / 5, $"{second.Count} readers were closed in second {second.Key}."));
        }
        finally
        {
            await Task.WhenAll(readers.Select(reader => reader.DisposeAsync().AsTask()));
        }
    }

    /// <summary>Posts every 20 ms until stopped; answers how many posts were acknowledged (201).</summary>
    private static async Task<int> PublishUntilAsync(string feed, HttpClient newsroom, CancellationToken stop)
    {
        var acknowledged = 0;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                using var response = await newsroom.PostAsync(
                    $"/api/feeds/{feed}/items", System.Net.Http.Json.JsonContent.Create(new { headline = $"Posted during the deploy {acknowledged}" }), CancellationToken.None);
                if (response.StatusCode == HttpStatusCode.Created)
                {
                    acknowledged++;
                }
            }
            catch (HttpRequestException)
            {
                // Not acknowledged (the instance went while nginx held the request): it may or may not be stored.
            }

            await Task.Delay(20, CancellationToken.None);
        }

        return acknowledged;
    }

    private static async Task<long> HeadAsync(HttpClient client, string feed)
    {
        var page = await System.Net.Http.Json.HttpClientJsonExtensions.GetFromJsonAsync<LiveFeed.Contracts.FeedPage>(client, $"/api/feeds/{feed}/events?limit=1");
        return page!.Sequence;
    }
}
