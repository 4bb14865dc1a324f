using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using LiveFeed.Client;
using LiveFeed.Contracts;

namespace LiveFeed.Cli;

/// <summary>How items look in the terminal ("2:49 PM  flash   Headline") and in --json output.</summary>
internal sealed class ItemFormat(TimeZoneInfo timeZone)
{
    public string Time(DateTime utc) =>
        TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), timeZone).ToString("h:mm tt", CultureInfo.InvariantCulture);

    /// <summary>A date and time for what is further off than today (a scheduled item): "2026-12-04 6:00 PM".</summary>
    public string When(DateTime utc) =>
        TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), timeZone).ToString("yyyy-MM-dd h:mm:ss tt", CultureInfo.InvariantCulture);

    /// <summary>A scheduled item in <c>livefeed scheduled</c>: id, when it goes out, priority, headline.</summary>
    public string ScheduledLine(ScheduledItem item) => $"{item.Id}  {When(item.PublishAt)}  {Priority(item.Priority),-6}  {OneLine(item.Headline)}";

    public static string Priority(ItemPriority priority) => priority switch
    {
        ItemPriority.Urgent => "urgent",
        ItemPriority.Flash => "flash",
        _ => "normal",
    };

    /// <summary>"2:49 PM  flash   Headline": when it was published, how urgent, what.</summary>
    public string Line(FeedItem item) => $"{Time(item.PublishedAt),8}  {Priority(item.Priority),-6}  {OneLine(item.Headline)}";

    /// <summary>A line of <c>list</c>: the id first, to copy into <c>correct</c> or <c>retract</c>; the item's marks last.</summary>
    public string ListLine(FeedItem item) => $"{item.Id}  {Line(item)}{Marks(item)}";

    /// <summary>"  [pinned]  [key event]": what an item is marked as, at the end of its line (nothing when neither).</summary>
    private static string Marks(FeedItem item) => (item.Pinned ? "  [pinned]" : "") + (item.KeyEvent ? "  [key event]" : "");

    /// <summary>A line of <c>tail</c> for one event.</summary>
    public string EventLine(FeedEvent feedEvent) => feedEvent.Kind switch
    {
        FeedEventKind.Corrected => $"{Time(feedEvent.Item.UpdatedAt ?? feedEvent.Item.PublishedAt),8}  {Priority(feedEvent.Item.Priority),-6}  {OneLine(feedEvent.Item.Headline)}  (corrected)",
        FeedEventKind.Retracted => $"{Time(feedEvent.Item.RetractedAt ?? feedEvent.Item.PublishedAt),8}  retracted: {OneLine(feedEvent.Item.Headline)}",
        _ => Line(feedEvent.Item),
    };

    /// <summary>A line of <c>history</c>: when, what, who ("2:51 PM  corrected  by night desk  Headline").</summary>
    public string HistoryLine(FeedEvent feedEvent)
    {
        var item = feedEvent.Item;
        var (kind, at) = feedEvent.Kind switch
        {
            FeedEventKind.Corrected => ("corrected", item.UpdatedAt ?? item.PublishedAt),
            FeedEventKind.Retracted => ("retracted", item.RetractedAt ?? item.PublishedAt),
            _ => ("published", item.PublishedAt),
        };
        return $"{Time(at),8}  {kind,-9}  by {feedEvent.By}  {OneLine(item.Headline)}{Marks(item)}";
    }

    // Every field, null ones too: a script reads the same shape every time ("body": null, not a missing key).
    private static readonly JsonSerializerOptions JsonOutput = new(LiveFeedJson.Options) { DefaultIgnoreCondition = JsonIgnoreCondition.Never };

    public static string Json<T>(T value) => JsonSerializer.Serialize(value, JsonOutput);

    // Headlines are one line by contract; never let a body's line breaks or escape codes reach the terminal.
    public static string OneLine(string text) =>
        string.Concat(text.Select(c => char.IsControl(c) ? ' ' : c));
}
