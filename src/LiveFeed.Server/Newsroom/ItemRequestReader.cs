using System.Text;
using System.Text.Json;
using LiveFeed.Contracts;
using LiveFeed.Feeds;
using LiveFeed.Server.Api;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LiveFeed.Server.Newsroom;

/// <summary>Whether a request body may carry <c>publishAt</c>.</summary>
internal enum PublishAtField
{
    /// <summary>A published item's correction: it cannot be scheduled (400 naming <c>publishAt</c>).</summary>
    Refused,

    /// <summary>A publish: with <c>publishAt</c> it is scheduled.</summary>
    Optional,

    /// <summary>A scheduled item's replacement: its time is part of what is replaced.</summary>
    Required,
}

/// <summary>
/// Reads and validates the body of a publish, a correction or a scheduled item's replacement: JSON only, at most
/// <see cref="ItemLimits.MaxRequestBodyBytes"/>, only the fields of <see cref="ItemRequest"/>, every
/// rule of the contract checked at once so that a 400 names every bad field.
/// </summary>
internal static class ItemRequestReader
{
    private static readonly string[] KnownFields = ["headline", "body", "priority", "tags", "link", "pinned", "keyEvent", "publishAt"];

    /// <summary>The body as item content, or the problem to answer with (a correction: <c>publishAt</c> is refused).</summary>
    public static async Task<(ItemContent? Content, ProblemHttpResult? Problem)> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var (content, _, problem) = await ReadAsync(request, PublishAtField.Refused, default, cancellationToken);
        return (content, problem);
    }

    /// <summary>
    /// The body as item content and its <c>publishAt</c> (UTC, millisecond precision; null when not given), or the
    /// problem to answer with. A <c>publishAt</c> is at least <see cref="ItemLimits.PublishAtMinLead"/> and at most
    /// <see cref="ItemLimits.PublishAtMaxLead"/> after <paramref name="now"/>.
    /// </summary>
    public static async Task<(ItemContent? Content, DateTime? PublishAt, ProblemHttpResult? Problem)> ReadAsync(
        HttpRequest request, PublishAtField publishAt, DateTime now, CancellationToken cancellationToken)
    {
        if (!request.HasJsonContentType())
        {
            return (null, null, TypedResults.Problem(
                statusCode: StatusCodes.Status415UnsupportedMediaType,
                title: "The body must be JSON",
                detail: "Send the item as JSON with 'Content-Type: application/json'."));
        }

        var body = await ReadLimitedAsync(request, cancellationToken);
        if (body is null)
        {
            return (null, null, TypedResults.Problem(
                statusCode: StatusCodes.Status413PayloadTooLarge,
                title: "The body is too large",
                detail: $"A newsroom request body is at most {ItemLimits.MaxRequestBodyBytes / 1024} KiB."));
        }

        var errors = new Errors();
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException exception)
        {
            errors.Add("$", $"The body is not valid JSON: {exception.Message}");
            return (null, null, errors.ToProblem());
        }

        using (document)
        {
            var (content, at) = Validate(document.RootElement, publishAt, now, errors);
            return errors.Any ? (null, null, errors.ToProblem()) : (content, at, null);
        }
    }

    private static (ItemContent? Content, DateTime? PublishAt) Validate(JsonElement root, PublishAtField publishAtField, DateTime now, Errors errors)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            errors.Add("$", "The body must be a JSON object with at least a 'headline'.");
            return (null, null);
        }

        var fields = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var property in root.EnumerateObject())
        {
            if (!KnownFields.Contains(property.Name, StringComparer.Ordinal))
            {
                var hint = KnownFields.FirstOrDefault(known => string.Equals(known, property.Name, StringComparison.OrdinalIgnoreCase));
                errors.Add(property.Name, hint is null
                    ? $"Unknown field: an item has only {string.Join(", ", KnownFields)}."
                    : $"Unknown field: did you mean '{hint}'?");
            }
            else if (!fields.TryAdd(property.Name, property.Value))
            {
                errors.Add(property.Name, "The field is given more than once.");
            }
        }

        var headline = ReadHeadline(fields, errors);
        var body = ReadBody(fields, errors);
        var priority = ReadPriority(fields, errors);
        var tags = ReadTags(fields, errors);
        var link = ReadLink(fields, errors);
        var pinned = ReadFlag(fields, "pinned", errors);
        var keyEvent = ReadFlag(fields, "keyEvent", errors);
        var publishAt = ReadPublishAt(fields, publishAtField, now, errors);
        return errors.Any ? (null, null) : (new ItemContent(headline!, body, priority, tags, link, pinned, keyEvent), publishAt);
    }

    private static string Timestamp(DateTime time) => time.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture);

    private static DateTime? ReadPublishAt(Dictionary<string, JsonElement> fields, PublishAtField rule, DateTime now, Errors errors)
    {
        if (!fields.TryGetValue("publishAt", out var value) || value.ValueKind == JsonValueKind.Null)
        {
            if (rule == PublishAtField.Required)
            {
                errors.Add("publishAt", "A scheduled item needs its 'publishAt': when it goes out.");
            }

            return null;
        }

        if (rule == PublishAtField.Refused)
        {
            errors.Add("publishAt", "This item is already published: it cannot be scheduled. Correct it without 'publishAt'.");
            return null;
        }

        // An ISO-8601 timestamp with its offset ('Z' or '+02:00'): a time without one names no instant.
        if (value.ValueKind != JsonValueKind.String || !value.TryGetDateTime(out var local) || !value.TryGetDateTimeOffset(out var instant))
        {
            errors.Add("publishAt", "'publishAt' must be an ISO-8601 timestamp with its offset, e.g. \"2026-12-04T18:00:00Z\".");
            return null;
        }

        if (local.Kind == DateTimeKind.Unspecified)
        {
            errors.Add("publishAt", "'publishAt' needs its offset ('Z' for UTC, or e.g. '+01:00'): without one it names no instant.");
            return null;
        }

        var utc = instant.UtcDateTime;
        var publishAt = new DateTime(utc.Ticks - (utc.Ticks % TimeSpan.TicksPerMillisecond), DateTimeKind.Utc);
        if (publishAt < now + ItemLimits.PublishAtMinLead)
        {
            errors.Add("publishAt", publishAt <= now
                ? $"'publishAt' is in the past (the server's time is {Timestamp(now)}); it must be at least {ItemLimits.PublishAtMinLead.TotalSeconds:0} s ahead."
                : $"'publishAt' must be at least {ItemLimits.PublishAtMinLead.TotalSeconds:0} s ahead (the server's time is {Timestamp(now)}).");
        }
        else if (publishAt > now + ItemLimits.PublishAtMaxLead)
        {
            errors.Add("publishAt", $"'publishAt' must be at most {ItemLimits.PublishAtMaxLead.TotalDays:0} days ahead.");
        }

        return publishAt;
    }

    private static string? ReadHeadline(Dictionary<string, JsonElement> fields, Errors errors)
    {
        if (!fields.TryGetValue("headline", out var value) || value.ValueKind == JsonValueKind.Null)
        {
            errors.Add("headline", "A headline is required.");
            return null;
        }

        var text = ReadText(value, "headline", errors)?.Trim();
        if (text is null)
        {
            return null;
        }

        var length = CharacterCount(text);
        if (length == 0)
        {
            errors.Add("headline", "The headline is blank.");
        }
        else if (length > ItemLimits.HeadlineMaxLength)
        {
            errors.Add("headline", $"The headline has {length} characters; at most {ItemLimits.HeadlineMaxLength} are allowed.");
        }

        if (text.Any(char.IsControl))
        {
            errors.Add("headline", "The headline must be one line of plain text, without control characters.");
        }

        return text;
    }

    private static string? ReadBody(Dictionary<string, JsonElement> fields, Errors errors)
    {
        if (!fields.TryGetValue("body", out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        var text = ReadText(value, "body", errors)?.Trim();
        if (text is null)
        {
            return null;
        }

        var length = CharacterCount(text);
        if (length > ItemLimits.BodyMaxLength)
        {
            errors.Add("body", $"The body has {length} characters; at most {ItemLimits.BodyMaxLength} are allowed.");
        }

        if (text.Any(c => char.IsControl(c) && c is not ('\n' or '\r' or '\t')))
        {
            errors.Add("body", "The body must be plain text: line breaks are allowed, other control characters are not.");
        }

        return text.Length == 0 ? null : text;
    }

    private static ItemPriority ReadPriority(Dictionary<string, JsonElement> fields, Errors errors)
    {
        if (!fields.TryGetValue("priority", out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return ItemPriority.Normal;
        }

        switch (value.ValueKind == JsonValueKind.String ? value.GetString() : null)
        {
            case "normal": return ItemPriority.Normal;
            case "urgent": return ItemPriority.Urgent;
            case "flash": return ItemPriority.Flash;
            default:
                errors.Add("priority", "The priority must be \"normal\", \"urgent\" or \"flash\".");
                return ItemPriority.Normal;
        }
    }

    private static List<string> ReadTags(Dictionary<string, JsonElement> fields, Errors errors)
    {
        if (!fields.TryGetValue("tags", out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            errors.Add("tags", "The tags must be an array of strings.");
            return [];
        }

        var count = value.GetArrayLength();
        if (count > ItemLimits.MaxTags)
        {
            errors.Add("tags", $"There are {count} tags; at most {ItemLimits.MaxTags} are allowed.");
            return [];
        }

        var tags = new List<string>(count);
        var index = 0;
        foreach (var element in value.EnumerateArray())
        {
            var field = $"tags[{index++}]";
            var tag = ReadText(element, field, errors)?.Trim();
            if (tag is null)
            {
                continue;
            }

            var length = CharacterCount(tag);
            if (length is 0 or > ItemLimits.TagMaxLength || tag.Any(char.IsControl))
            {
                errors.Add(field, $"A tag is 1 to {ItemLimits.TagMaxLength} characters of plain text.");
            }

            tags.Add(tag);
        }

        return tags;
    }

    private static string? ReadLink(Dictionary<string, JsonElement> fields, Errors errors)
    {
        if (!fields.TryGetValue("link", out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        var text = ReadText(value, "link", errors)?.Trim();
        if (text is null)
        {
            return null;
        }

        if (text.Length == 0)
        {
            return null;
        }

        if (CharacterCount(text) > ItemLimits.LinkMaxLength)
        {
            errors.Add("link", $"The link is longer than {ItemLimits.LinkMaxLength} characters.");
        }
        else if (!Uri.TryCreate(text, UriKind.Absolute, out var uri)
                 || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
                 || string.IsNullOrEmpty(uri.Host)
                 || text.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
        {
            errors.Add("link", "The link must be an absolute http or https URL.");
        }

        return text;
    }

    /// <summary>A true/false field; left out or null is false (a correction replaces the content, so it unsets it).</summary>
    private static bool ReadFlag(Dictionary<string, JsonElement> fields, string field, Errors errors)
    {
        if (!fields.TryGetValue(field, out var value))
        {
            return false;
        }

        switch (value.ValueKind)
        {
            case JsonValueKind.True: return true;
            case JsonValueKind.False or JsonValueKind.Null: return false;
            default:
                errors.Add(field, $"'{field}' must be true or false.");
                return false;
        }
    }

    private static string? ReadText(JsonElement value, string field, Errors errors)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            errors.Add(field, $"'{field}' must be a string.");
            return null;
        }

        try
        {
            var text = value.GetString()!;
            if (!IsWellFormed(text))
            {
                errors.Add(field, $"'{field}' contains invalid Unicode.");
                return null;
            }

            return text;
        }
        catch (InvalidOperationException)
        {
            errors.Add(field, $"'{field}' contains invalid Unicode.");
            return null;
        }
    }

    private static bool IsWellFormed(string text)
    {
        var span = text.AsSpan();
        while (!span.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(span, out _, out var consumed) != System.Buffers.OperationStatus.Done)
            {
                return false;
            }

            span = span[consumed..];
        }

        return true;
    }

    /// <summary>Characters as readers count them: Unicode code points, so an emoji counts once.</summary>
    private static int CharacterCount(string text) => text.EnumerateRunes().Count();

    private static async Task<byte[]?> ReadLimitedAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > ItemLimits.MaxRequestBodyBytes)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await ReadChunkAsync(request.Body, chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > ItemLimits.MaxRequestBodyBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    // Kestrel stops a body at the server-wide limit (the same 64 KiB) by throwing: answered as a read past the limit, a 413.
    private static async Task<int> ReadChunkAsync(Stream body, byte[] chunk, CancellationToken cancellationToken)
    {
        try
        {
            return await body.ReadAsync(chunk, cancellationToken);
        }
        catch (BadHttpRequestException exception) when (exception.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return int.MaxValue;
        }
    }

    private sealed class Errors
    {
        private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

        public bool Any => _errors.Count > 0;

        public void Add(string field, string message)
        {
            if (!_errors.TryGetValue(field, out var messages))
            {
                _errors[field] = messages = [];
            }

            messages.Add(message);
        }

        public ProblemHttpResult ToProblem() =>
            ApiProblems.Invalid(_errors.ToDictionary(entry => entry.Key, entry => entry.Value.ToArray()));
    }
}
