using System.Globalization;
using System.Text;
using System.Text.Json;
using LiveFeed.Contracts;
using LiveFeed.Feeds;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace LiveFeed.Server.Streams;

/// <summary>
/// The records of a Server-Sent Events stream (<c>text/event-stream</c>), built in one place: each event as
/// <c>id: {epoch}:{sequence}</c>, <c>event: published|corrected|retracted</c> and <c>data:</c> the FeedEvent as one line
/// of JSON, exactly as the hub's JSON protocol writes it; a reset as <c>event: reset</c> with the FeedPage.
/// </summary>
internal sealed class EventStreamRecords(IOptions<JsonHubProtocolOptions> hubJson)
{
    /// <summary>A comment line: readers ignore it, proxies see traffic.</summary>
    public static ReadOnlySpan<byte> KeepAlive => ": keep-alive\n\n"u8;

    // The hub's own JSON settings, so that data: is byte for byte what a hub reader gets as the FeedEvent argument.
    // JSON escapes every line break inside a string, so one value is always one line.
    private readonly JsonSerializerOptions _json = hubJson.Value.PayloadSerializerOptions;

    /// <summary>One event.</summary>
    public byte[] Event(FeedEvent feedEvent) =>
        Record(Id(feedEvent.Epoch, feedEvent.Sequence), Kind(feedEvent.Kind), JsonSerializer.Serialize(feedEvent, _json));

    /// <summary>A reset: start over from the page's items, at the page's position.</summary>
    public byte[] Reset(FeedPage page) =>
        Record(Id(page.Epoch, page.Sequence), "reset", JsonSerializer.Serialize(page, _json));

    /// <summary>What a page says: a reset, or its events one record each.</summary>
    public byte[] Page(FeedPage page)
    {
        if (page.Reset)
        {
            return Reset(page);
        }

        using var records = new MemoryStream();
        foreach (var feedEvent in page.Events)
        {
            records.Write(Event(feedEvent));
        }

        return records.ToArray();
    }

    /// <summary>How long a reader waits before reconnecting after the stream ends or breaks.</summary>
    public static byte[] Retry(TimeSpan wait) =>
        Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"retry: {(long)wait.TotalMilliseconds}\n\n"));

    /// <summary>
    /// The position in a <c>Last-Event-ID</c> or <c>?after=</c>: <c>{epoch}:{sequence}</c>. Anything else is no position
    /// (the stream then starts with a reset), never an error.
    /// </summary>
    public static FeedPosition? ParsePosition(string? text)
    {
        var colon = text?.LastIndexOf(':') ?? -1;
        return colon > 0 && long.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var sequence)
            ? new FeedPosition(text![..colon], sequence)
            : null;
    }

    private static string Id(string epoch, long sequence) => string.Create(CultureInfo.InvariantCulture, $"{epoch}:{sequence}");

    private static string Kind(FeedEventKind kind) => kind switch
    {
        FeedEventKind.Published => "published",
        FeedEventKind.Corrected => "corrected",
        _ => "retracted",
    };

    private static byte[] Record(string id, string eventName, string data) =>
        Encoding.UTF8.GetBytes($"id: {id}\nevent: {eventName}\ndata: {data}\n\n");
}
