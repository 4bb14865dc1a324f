using System.Net.WebSockets;
using System.Text;
using LiveFeed.Contracts;
using LiveFeed.Server.Hubs;
using LiveFeed.Tests.Infrastructure;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.Extensions.DependencyInjection;

namespace LiveFeed.Tests.Hub;

/// <summary>
/// WebSocket readers' messages go straight onto their socket, past SignalR's pipe and send loop; readers on the
/// other transports go through SignalR as before. Either way they get every event, whole and in order.
/// </summary>
public sealed class ReaderSocketTests(SharedServer fixture) : IClassFixture<SharedServer>
{
    private readonly LiveFeedServer _server = fixture.Server;

    // 4,000 characters that JSON writes as six bytes each: a message of about 24 KB, several times the smallest
    // frame the outbox rents, so the frame has to grow while SignalR writes into it.
    private static readonly string LongBody = new('é', ItemLimits.BodyMaxLength);

    [Theory]
    [InlineData(HubProtocolKind.Json, false)]
    [InlineData(HubProtocolKind.Json, true)]
    [InlineData(HubProtocolKind.MessagePack, false)]
    [InlineData(HubProtocolKind.MessagePack, true)]
    public async Task AWebSocketReaderGetsItsEventsStraightOnItsSocketWhetherOrNotItNegotiated(HubProtocolKind protocol, bool negotiate)
    {
        var outboxes = _server.Services.GetRequiredService<ReaderOutboxes>();
        var before = outboxes.SocketReaders;

        await using var reader = await _server.ConnectReaderAsync(protocol, HttpTransportType.WebSockets, negotiate);

        await PublishesArriveWholeAndInOrderAsync(reader);
        Assert.Equal(before + 1, outboxes.SocketReaders);
    }

    [Theory]
    [InlineData(HubProtocolKind.Json, HttpTransportType.ServerSentEvents)]
    [InlineData(HubProtocolKind.Json, HttpTransportType.LongPolling)]
    [InlineData(HubProtocolKind.MessagePack, HttpTransportType.LongPolling)]
    public async Task AReaderOnAnotherTransportGetsItsEventsThroughSignalR(HubProtocolKind protocol, HttpTransportType transport)
    {
        var outboxes = _server.Services.GetRequiredService<ReaderOutboxes>();
        var before = outboxes.SocketReaders;

        await using var reader = await _server.ConnectReaderAsync(protocol, transport);

        await PublishesArriveWholeAndInOrderAsync(reader);
        Assert.Equal(before, outboxes.SocketReaders);
    }

    [Theory]
    [InlineData("json", WebSocketMessageType.Text)]
    [InlineData("messagepack", WebSocketMessageType.Binary)]
    public async Task TheHandshakeAnswerIsAWebSocketMessageOfTheProtocolsType(string protocol, WebSocketMessageType expected)
    {
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new UriBuilder(new Uri(_server.BaseAddress, FeedHubProtocol.Path)) { Scheme = "ws" }.Uri, CancellationToken.None);
        var handshake = Encoding.UTF8.GetBytes($$"""{"protocol":"{{protocol}}","version":1}""" + RawHubClient.RecordSeparator);
        await socket.SendAsync(handshake, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);

        var buffer = new byte[1024];
        using var timeout = new CancellationTokenSource(TestReader.Timeout);
        var answer = await socket.ReceiveAsync(buffer, timeout.Token);

        Assert.Equal(expected, answer.MessageType);
        Assert.True(answer.EndOfMessage);
        Assert.Equal("{}" + RawHubClient.RecordSeparator, Encoding.UTF8.GetString(buffer, 0, answer.Count));
    }

    private async Task PublishesArriveWholeAndInOrderAsync(TestReader reader)
    {
        var feed = NewsroomRequests.UniqueFeed("socket");
        await reader.SubscribeAsync(feed);
        using var newsroom = _server.CreateNewsroomClient();

        await newsroom.PublishAsync(feed, new { headline = "Short flash" });
        await newsroom.PublishAsync(feed, new { headline = "Long flash", body = LongBody });
        await newsroom.PublishAsync(feed, new { headline = "Short again" });
        var received = await reader.NextEventsAsync(3);

        Assert.Equal([1L, 2L, 3L], received.Select(e => e.Sequence));
        Assert.Equal(["Short flash", "Long flash", "Short again"], received.Select(e => e.Item.Headline));
        Assert.Equal(LongBody, received[1].Item.Body);
    }
}
