using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using LiveFeed.Server.Limits;
using LiveFeed.Tests.Infrastructure;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using static LiveFeed.Tests.Limits.LimitTestSupport;

namespace LiveFeed.Tests.Limits;

/// <summary>
/// The cap on connection set-ups in progress (<c>Limits:ConnectionSetups</c>): past it a new connection is refused at
/// once with 429 and a jittered Retry-After; every set-up gives its slot back, however it ends; and a crowd that
/// retries as told all gets in. Set-ups are held open on purpose (WebSockets that never send their handshake), so
/// that the cap is full when the test says so, whatever the machine's speed.
/// </summary>
public sealed class ConnectionSetupTests
{
    [Fact]
    public async Task SetUpsPastTheCapAnswer429WithAJitteredRetryAfterTakeNoSlotAndEverySlotComesBack()
    {
        using var server = ServerWith(("Limits:ConnectionSetups:MaxInProgress", "3"), ("Limits:ConnectionSetups:MaxRetryAfter", "00:00:05"));
        var setups = server.Services.GetRequiredService<ConnectionSetups>();
        using var client = server.CreateAnonymousClient();
        var stalled = await HoldSetUpsAsync(server, 3);

        Assert.Equal(3, setups.InProgress);

        var retryAfters = new HashSet<int>();
        for (var i = 0; i < 30; i++)
        {
            using var refused = await NegotiateAsync(client);
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            var retryAfter = AssertRetryAfter(refused);
            Assert.InRange(retryAfter, 1, 5);
            retryAfters.Add(retryAfter);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            using var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync());
            Assert.Equal(429, problem.RootElement.GetProperty("status").GetInt32());
        }

        // Spread out, not all told the same second (30 draws from 1..5 all alike: about 1 in 10^20).
        Assert.True(retryAfters.Count > 1, $"every refusal said Retry-After: {string.Join(", ", retryAfters)}");

        // A WebSocket without negotiation is a new connection too.
        await Assert.ThrowsAnyAsync<System.Net.WebSockets.WebSocketException>(() => RawHubClient.ConnectAsync(server.BaseAddress));

        // Refused set-ups took no slot; the metrics say what was refused, and why.
        Assert.Equal(3, setups.InProgress);
        var metrics = await PrometheusScrape.TakeAsync(server.BaseAddress);
        Assert.Equal(31, metrics.Value("livefeed_connections_refused_total", ("reason", "setups")));
        Assert.Equal(3, metrics.Value("livefeed_connection_setups"));

        // Each held set-up ends its own way: one finishes its handshake, one is dropped, one sends a handshake the
        // server refuses. Every slot comes back.
        await stalled[0].HandshakeAsync();
        stalled[1].Abort();
        await stalled[2].SendTextAsync("""{"protocol":"no-such-protocol","version":1}""" + RawHubClient.RecordSeparator);
        await AllSlotsBackAsync(setups, "every set-up slot is given back");

        using (var admitted = await NegotiateAsync(client))
        {
            Assert.Equal(HttpStatusCode.OK, admitted.StatusCode);
        }

        await AllSlotsBackAsync(setups, "a negotiate gives its slot back once answered");
        foreach (var held in stalled)
        {
            await held.DisposeAsync();
        }
    }

    [Fact]
    public async Task OneAddressHoldsAtMostItsShareOfTheSetUpsAndOtherAddressesStillGetIn()
    {
        using var server = ServerWith(("Limits:ConnectionSetups:MaxInProgress", "10"), ("Limits:ConnectionSetups:MaxInProgressPerAddress", "2"));
        var setups = server.Services.GetRequiredService<ConnectionSetups>();
        var held = await HoldSetUpsAsync(server, 2);

        // 127.0.0.1 holds its two, never finishing them; the instance has room for eight more, from elsewhere.
        using var sameAddress = server.CreateAnonymousClient();
        using (var refused = await NegotiateAsync(sameAddress))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.InRange(AssertRetryAfter(refused), 1, 5);
        }

        using var otherAddress = new HttpClient(new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
                socket.Bind(new IPEndPoint(IPAddress.Parse("127.0.0.2"), 0));
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            },
        }) { BaseAddress = server.BaseAddress };
        using (var admitted = await NegotiateAsync(otherAddress))
        {
            Assert.Equal(HttpStatusCode.OK, admitted.StatusCode);
        }

        var metrics = await PrometheusScrape.TakeAsync(server.BaseAddress);
        Assert.Equal(1, metrics.Value("livefeed_connections_refused_total", ("reason", "address_setups")));
        Assert.Empty(metrics.All("livefeed_connections_refused_total", ("reason", "setups")));

        foreach (var setup in held)
        {
            await setup.DisposeAsync();
        }

        await AllSlotsBackAsync(setups, "every set-up slot is given back");
        using (var again = await NegotiateAsync(sameAddress))
        {
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        }
    }

    [Theory]
    [InlineData(HttpTransportType.WebSockets, false)]
    [InlineData(HttpTransportType.WebSockets, true)]
    [InlineData(HttpTransportType.ServerSentEvents, true)]
    [InlineData(HttpTransportType.LongPolling, true)]
    public async Task AConnectedReaderHoldsNoSetUpSlot(HttpTransportType transport, bool negotiate)
    {
        using var server = ServerWith(("Limits:ConnectionSetups:MaxInProgress", "10"));
        var setups = server.Services.GetRequiredService<ConnectionSetups>();

        var readers = new List<TestReader>();
        for (var i = 0; i < 3; i++)
        {
            var reader = await server.ConnectReaderAsync(HubProtocolKind.Json, transport, negotiate);
            await reader.SubscribeAsync("main");
            readers.Add(reader);
        }

        await AllSlotsBackAsync(setups, "connected readers hold no set-up slot");
        foreach (var reader in readers)
        {
            await reader.DisposeAsync();
        }
    }

    [Fact]
    public async Task ABurstBeyondTheCapIsRefusedWith429AndEveryReaderThatRetriesAsToldGetsIn()
    {
        const int crowd = 40;
        using var server = ServerWith(("Limits:ConnectionSetups:MaxInProgress", "4"), ("Limits:ConnectionSetups:MaxRetryAfter", "00:00:02"));
        var setups = server.Services.GetRequiredService<ConnectionSetups>();
        var hub = new Uri(server.BaseAddress, "/hubs/feed");

        // The cap is full when the crowd arrives, so every one of them is refused at least once.
        var stalled = await HoldSetUpsAsync(server, 4);

        var refused = new ConcurrentDictionary<int, int>();
        var connecting = Enumerable.Range(0, crowd).Select(reader => Task.Run(async () =>
        {
            while (true)
            {
                var told = new RetryAfterRecorder();
                var connection = new HubConnectionBuilder()
                    .WithUrl(hub, options =>
                    {
                        options.Transports = HttpTransportType.WebSockets;
                        options.HttpMessageHandlerFactory = inner =>
                        {
                            told.InnerHandler = inner;
                            return told;
                        };
                    })
                    .Build();
                try
                {
                    await connection.StartAsync();
                    return connection;
                }
                catch (HttpRequestException exception) when (exception.StatusCode == HttpStatusCode.TooManyRequests)
                {
                    await connection.DisposeAsync();
                    var wait = told.RetryAfter ?? throw new InvalidOperationException("A 429 without Retry-After.");
                    refused.AddOrUpdate(reader, 1, (_, count) => count + 1);
                    await Task.Delay(wait);
                }
            }
        })).ToList();

        await Eventually.HoldsAsync(() => Task.FromResult(refused.Count == crowd), "every reader of the crowd was refused once");
        foreach (var held in stalled)
        {
            held.Abort();
        }

        // No reader is refused for good: each gets in on one of its retries (the wait is a guard against a hang).
        var connections = await Task.WhenAll(connecting).WaitAsync(TimeSpan.FromSeconds(120));
        foreach (var connection in connections)
        {
            await connection.InvokeAsync<object>("Subscribe", "main", null, null);
        }

        await AllSlotsBackAsync(setups, "no set-up slot is left taken");
        var metrics = await PrometheusScrape.TakeAsync(server.BaseAddress);
        Assert.Equal(refused.Values.Sum(), metrics.Value("livefeed_connections_refused_total", ("reason", "setups")));
        foreach (var connection in connections)
        {
            await connection.DisposeAsync();
        }

        foreach (var held in stalled)
        {
            await held.DisposeAsync();
        }
    }

    /// <summary>WebSockets accepted whose handshake is never sent: set-ups held in progress until disposed.</summary>
    private static async Task<List<RawHubClient>> HoldSetUpsAsync(LiveFeedServer server, int count)
    {
        var held = new List<RawHubClient>();
        for (var i = 0; i < count; i++)
        {
            held.Add(await RawHubClient.ConnectAsync(server.BaseAddress));
        }

        return held;
    }

    private static Task AllSlotsBackAsync(ConnectionSetups setups, string what) =>
        Eventually.HoldsAsync(() => Task.FromResult(setups.InProgress == 0), what);

    /// <summary>Keeps the Retry-After of a 429, as a client that retries as told reads it.</summary>
    private sealed class RetryAfterRecorder : DelegatingHandler
    {
        public TimeSpan? RetryAfter { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                RetryAfter = response.Headers.RetryAfter?.Delta;
            }

            return response;
        }
    }
}
