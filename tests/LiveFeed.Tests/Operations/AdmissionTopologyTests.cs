using System.Net;
using LiveFeed.Tests.Infrastructure;
using Microsoft.AspNetCore.Http.Connections;
using static LiveFeed.Tests.Limits.LimitTestSupport;

namespace LiveFeed.Tests.Operations;

/// <summary>
/// The set-up cap behind the compose topology's nginx, which fails over on a 503 and then takes the instance out of
/// rotation for 10 s, for every request. A busy instance must say so without being taken out: otherwise a crowd
/// would knock out every instance in turn.
/// </summary>
public sealed class AdmissionTopologyTests
{
    [Fact]
    public async Task AnInstanceBusySettingUpConnectionsRefusesThroughNginxAndStaysInItsRotation()
    {
        await using var topology = await ComposeTopology.StartAsync(new Dictionary<string, string?>
        {
            ["Limits:ConnectionSetups:MaxInProgress"] = "2",
        });
        var nginx = topology.Nginx;

        // Two set-ups held open through nginx (WebSockets whose handshake never comes), on the instance it gives this address.
        var held = new List<RawHubClient>();
        for (var i = 0; i < 2; i++)
        {
            held.Add(await RawHubClient.ConnectAsync(nginx.BaseAddress));
        }

        var busy = await SetUpsAsync(topology.First) == 2 ? topology.First : topology.Second;
        var other = busy == topology.First ? topology.Second : topology.First;
        Assert.Equal(2, await SetUpsAsync(busy));

        // The client hears that the instance is busy and when to come back; nginx does not hand it to the other.
        using var client = new HttpClient { BaseAddress = nginx.BaseAddress };
        using (var refused = await NegotiateAsync(client))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.InRange(AssertRetryAfter(refused), 1, 5);
        }

        foreach (var setup in held)
        {
            await setup.DisposeAsync();
        }

        await Eventually.HoldsAsync(async () => await SetUpsAsync(busy) == 0, "the held set-ups' slots are back");

        // Still in rotation: the next reader from this address lands on the same instance.
        await using var reader = new TestReader(new Uri(nginx.BaseAddress, "/hubs/feed"), HubProtocolKind.Json, HttpTransportType.WebSockets, negotiate: true);
        await reader.StartAsync();
        await reader.SubscribeAsync("main");
        Assert.Equal(1, await busy.ReadersConnectedAsync());
        Assert.Equal(0, await other.ReadersConnectedAsync());
    }

    private static async Task<double> SetUpsAsync(LiveFeedProcess instance) =>
        (await PrometheusScrape.TakeAsync(instance.BaseAddress)).Value("livefeed_connection_setups");
}
