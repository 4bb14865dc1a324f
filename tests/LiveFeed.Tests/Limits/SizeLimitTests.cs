using System.Net;
using System.Text.Json;
using LiveFeed.Tests.Hub;
using LiveFeed.Tests.Infrastructure;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

namespace LiveFeed.Tests.Limits;

/// <summary>Size limits: no request body past 64 KiB anywhere, and no hub message past 4 KiB.</summary>
public sealed class SizeLimitTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private readonly LiveFeedServer _server = shared.Server;

    [Fact]
    public async Task AHubMessageOver4KiBClosesTheConnectionAndTheNextReaderIsServed()
    {
        await using var reader = await _server.ConnectReaderAsync();
        var closed = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        reader.Connection.Closed += exception =>
        {
            closed.TrySetResult(exception);
            return Task.CompletedTask;
        };

        await Assert.ThrowsAnyAsync<Exception>(() => reader.SubscribeAsync(new string('a', 5000)));
        await closed.Task.WaitAsync(TestReader.Timeout);

        await using var next = await _server.ConnectReaderAsync();
        var page = await next.SubscribeAsync(NewsroomRequests.UniqueFeed("size"));
        Assert.True(page.Reset);
    }

    [Fact]
    public async Task ALongPollingSendOver64KiBIsRefusedBeforeItIsRead()
    {
        using var client = _server.CreateAnonymousClient();
        using var negotiated = await client.PostAsync(new Uri("/hubs/feed/negotiate?negotiateVersion=1", UriKind.Relative), null);
        using var negotiation = JsonDocument.Parse(await negotiated.Content.ReadAsStringAsync());
        var token = negotiation.RootElement.GetProperty("connectionToken").GetString()!;

        // The first poll starts the long-polling transport (it answers at once); sends are taken from then on.
        using (var firstPoll = await client.GetAsync(new Uri($"/hubs/feed?id={Uri.EscapeDataString(token)}", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, firstPoll.StatusCode);
        }

        using var content = new ByteArrayContent(new byte[70 * 1024]);
        using var refused = await client.PostAsync(new Uri($"/hubs/feed?id={Uri.EscapeDataString(token)}", UriKind.Relative), content);

        // Kestrel stops the body at 64 KiB; SignalR answers a body it could not read with 400.
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);

        // The same send under the limit is taken (a handshake), so the 400 was the size and nothing else.
        using var handshake = new StringContent("{\"protocol\":\"json\",\"version\":1}\u001e");
        using var accepted = await client.PostAsync(new Uri($"/hubs/feed?id={Uri.EscapeDataString(token)}", UriKind.Relative), handshake);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
    }

    [Fact]
    public async Task ALongPollingReaderStillWorksUnderTheBodyLimit()
    {
        await using var reader = await _server.ConnectReaderAsync(HubProtocolKind.Json, HttpTransportType.LongPolling);
        var feed = NewsroomRequests.UniqueFeed("lp");
        await reader.SubscribeAsync(feed);
        using var newsroom = _server.CreateNewsroomClient();
        await newsroom.PublishAsync(feed, "Polled");

        Assert.Equal("Polled", (await reader.NextEventAsync()).Item.Headline);
        Assert.Equal(HubConnectionState.Connected, reader.Connection.State);
    }
}
