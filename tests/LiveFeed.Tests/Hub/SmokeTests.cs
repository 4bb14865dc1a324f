using LiveFeed.Contracts;
using LiveFeed.Tests.Infrastructure;
using Microsoft.AspNetCore.Http.Connections;

namespace LiveFeed.Tests.Hub;

public sealed class SmokeTests
{
    [Theory]
    [InlineData(HubProtocolKind.Json)]
    [InlineData(HubProtocolKind.MessagePack)]
    public async Task AReaderReceivesAPublishedItem(HubProtocolKind protocol)
    {
        using var server = new LiveFeedServer();
        await using var reader = await server.ConnectReaderAsync(protocol, HttpTransportType.WebSockets);
        var page = await reader.SubscribeAsync("main");
        using var newsroom = server.CreateNewsroomClient();

        var posted = await newsroom.PublishAsync("main", new { headline = "Flash", priority = "flash", tags = new[] { "x" } });
        var received = await reader.NextEventAsync();

        Assert.Equal(posted, received.Item with { Tags = posted.Tags });
        Assert.Equal(posted.Tags, received.Item.Tags);
        Assert.Equal(ItemPriority.Flash, received.Item.Priority);
        Assert.Equal(page.Epoch, received.Epoch);
    }
}
