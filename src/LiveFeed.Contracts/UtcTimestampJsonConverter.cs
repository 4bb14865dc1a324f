using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace LiveFeed.Contracts;

/// <summary>
/// Writes a timestamp as ISO-8601 UTC with exactly three fraction digits ("2026-11-28T14:49:00.000Z"),
/// as the contract promises; reads any ISO-8601 timestamp and converts it to UTC.
/// </summary>
public sealed class UtcTimestampJsonConverter : JsonConverter<DateTime>
{
    private const string Format = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    /// <inheritdoc />
    public override DateTime Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.GetString() ?? throw new JsonException("A timestamp must be a string.");
        return DateTime.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
    }

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, DateTime value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value.ToUniversalTime().ToString(Format, CultureInfo.InvariantCulture));
    }
}
