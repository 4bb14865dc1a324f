using System.Text.Json;
using LiveFeed.Contracts;
using MessagePack;
using LiveFeed.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR;

namespace LiveFeed.Tests.Hub;

/// <summary>
/// The contract's wire shape: the same camelCase names in both protocols, lowercase enumerations,
/// and MessagePack timestamps (extension type -1) so that the JavaScript client gets a Date.
/// These encode with the very serializer options the server's hub protocols use.
/// </summary>
public sealed class WireShapeTests
{
    private static readonly FeedEvent Event = new()
    {
        Feed = "main",
        Epoch = "e1",
        Sequence = 7,
        Kind = FeedEventKind.Corrected,
        Item = new FeedItem
        {
            Id = "i1",
            Feed = "main",
            Headline = "Ukraine downs 2 Russian helicopters",
            Priority = ItemPriority.Flash,
            Tags = ["ukraine"],
            Author = "desk",
            PublishedAt = new DateTime(2026, 11, 28, 14, 49, 0, 123, DateTimeKind.Utc),
            UpdatedAt = new DateTime(2026, 11, 28, 15, 5, 0, DateTimeKind.Utc),
            Pinned = true,
            KeyEvent = true,
            UpdatedBy = "night desk",
        },
        By = "night desk",
    };

    private static readonly string[] ItemFields =
        ["id", "feed", "headline", "body", "priority", "tags", "link", "author", "publishedAt", "updatedAt", "retractedAt", "pinned", "keyEvent", "updatedBy"];

    [Fact]
    public void MessagePackFramesUseCamelCaseNamesLowercaseEnumerationsAndTimestampExtensions()
    {
        var bytes = MessagePackSerializer.Serialize(Event, new MessagePackHubProtocolOptions().SerializerOptions);
        var reader = new MessagePackReader(bytes);

        var fields = ReadMap(ref reader);

        Assert.Equal(["feed", "epoch", "sequence", "kind", "item", "by"], fields.Keys);
        Assert.Equal("corrected", fields["kind"]);
        Assert.Equal("night desk", fields["by"]);
        var item = Assert.IsType<Dictionary<string, object?>>(fields["item"]);
        Assert.Equal(ItemFields, item.Keys);
        Assert.Equal("flash", item["priority"]);
        Assert.Equal(new DateTime(2026, 11, 28, 14, 49, 0, 123, DateTimeKind.Utc), item["publishedAt"]);
        Assert.Null(item["retractedAt"]);
        Assert.Equal((true, true, "night desk"), (item["pinned"], item["keyEvent"], item["updatedBy"]));
    }

    [Fact]
    public void JsonUsesTheSameNamesLowercaseEnumerationsAndIsoTimestampsWithMilliseconds()
    {
        using var json = JsonDocument.Parse(JsonSerializer.Serialize(Event, JsonSerializerOptions.Web));

        var root = json.RootElement;
        Assert.Equal(["feed", "epoch", "sequence", "kind", "item", "by"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("night desk", root.GetProperty("by").GetString());
        Assert.Equal("corrected", root.GetProperty("kind").GetString());
        var item = root.GetProperty("item");
        Assert.Equal(ItemFields, item.EnumerateObject().Select(p => p.Name));
        Assert.Equal("flash", item.GetProperty("priority").GetString());
        Assert.Equal("2026-11-28T14:49:00.123Z", item.GetProperty("publishedAt").GetString());
        Assert.Equal("2026-11-28T15:05:00.000Z", item.GetProperty("updatedAt").GetString());
        Assert.True(item.GetProperty("pinned").GetBoolean());
        Assert.True(item.GetProperty("keyEvent").GetBoolean());
        Assert.Equal("night desk", item.GetProperty("updatedBy").GetString());
    }

    [Theory]
    [InlineData(HubProtocolKind.Json)]
    [InlineData(HubProtocolKind.MessagePack)]
    public async Task ReadersOfEitherProtocolGetByPinnedKeyEventAndUpdatedByFromALiveServer(HubProtocolKind protocol)
    {
        using var server = new LiveFeedServer();
        using var newsroom = server.CreateNewsroomClient();
        var feed = NewsroomRequests.UniqueFeed("v2-wire");
        await using var reader = await server.ConnectReaderAsync(protocol);
        await reader.SubscribeAsync(feed);

        var first = await newsroom.PublishAsync(feed, new { headline = "What we know so far", pinned = true, keyEvent = true });
        var second = await newsroom.PublishAsync(feed, new { headline = "What we know now", pinned = true });
        var events = await reader.NextEventsAsync(3);

        Assert.Equal(
            [(first.Id, true, true, (string?)null, "desk"), (first.Id, false, true, "desk", "desk"), (second.Id, true, false, null, "desk")],
            events.Select(e => (e.Item.Id, e.Item.Pinned, e.Item.KeyEvent, e.Item.UpdatedBy, e.By)));
    }

    // Reads a string-keyed map, keeping timestamps as DateTime (only the timestamp extension decodes so).
    private static Dictionary<string, object?> ReadMap(ref MessagePackReader reader)
    {
        var count = reader.ReadMapHeader();
        var map = new Dictionary<string, object?>();
        for (var i = 0; i < count; i++)
        {
            var key = reader.ReadString()!;
            map[key] = ReadValue(ref reader);
        }

        return map;
    }

    private static object? ReadValue(ref MessagePackReader reader)
    {
        switch (reader.NextMessagePackType)
        {
            case MessagePackType.Nil:
                reader.ReadNil();
                return null;
            case MessagePackType.Map:
                return ReadMap(ref reader);
            case MessagePackType.Extension:
                var peek = reader.CreatePeekReader();
                Assert.Equal(-1, peek.ReadExtensionFormatHeader().TypeCode);
                return reader.ReadDateTime();
            case MessagePackType.String:
                return reader.ReadString();
            case MessagePackType.Integer:
                return reader.ReadInt64();
            case MessagePackType.Boolean:
                return reader.ReadBoolean();
            default:
                reader.Skip();
                return "(other)";
        }
    }
}
