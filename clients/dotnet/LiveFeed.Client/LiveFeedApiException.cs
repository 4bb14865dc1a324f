using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using LiveFeed.Contracts;

namespace LiveFeed.Client;

/// <summary>
/// The server refused a request: its problem document (RFC 9457) as an exception. For a 400,
/// <see cref="Errors"/> names each bad field with what is wrong with it.
/// </summary>
public class LiveFeedApiException : Exception
{
    private static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> NoErrors = new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>Creates an exception for a refused request.</summary>
    public LiveFeedApiException(
        int status, string title, string? detail, IReadOnlyDictionary<string, IReadOnlyList<string>>? errors = null, TimeSpan? retryAfter = null)
        : base(Describe(title, detail, errors))
    {
        Status = status;
        Title = title;
        Detail = detail;
        Errors = errors ?? NoErrors;
        RetryAfter = retryAfter;
    }

    /// <summary>Creates an exception with a message only.</summary>
    public LiveFeedApiException()
        : this("The LiveFeed server refused the request.")
    {
    }

    /// <summary>Creates an exception with a message only.</summary>
    public LiveFeedApiException(string message)
        : base(message)
    {
        Title = message;
        Errors = NoErrors;
    }

    /// <summary>Creates an exception with a message and its cause.</summary>
    public LiveFeedApiException(string message, Exception innerException)
        : base(message, innerException)
    {
        Title = message;
        Errors = NoErrors;
    }

    /// <summary>The HTTP status code, e.g. 400.</summary>
    public int Status { get; }

    /// <summary>The problem's title, e.g. "The request is not valid".</summary>
    public string Title { get; }

    /// <summary>The problem's detail, when the server gave one.</summary>
    public string? Detail { get; }

    /// <summary>Each bad field (e.g. <c>headline</c>, <c>tags[2]</c>) with what is wrong with it; empty unless a 400.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Errors { get; }

    /// <summary>The server's <c>Retry-After</c>, for a 429 or a 503 still refused after the client's retries.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>Reads a refused response's problem document (or makes one up from the status code).</summary>
    internal static async Task<LiveFeedApiException> FromResponseAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        string? title = null;
        string? detail = null;
        Dictionary<string, IReadOnlyList<string>>? errors = null;
        FeedItem? current = null;
        try
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (text.Length > 0)
            {
                using var document = JsonDocument.Parse(text);
                var root = document.RootElement;
                if (root.ValueKind == JsonValueKind.Object)
                {
                    title = String(root, "title");
                    detail = String(root, "detail");
                    if (status == 412 && root.TryGetProperty("item", out var item) && item.ValueKind == JsonValueKind.Object)
                    {
                        current = item.Deserialize<FeedItem>(LiveFeedJson.Options);
                    }
                    if (root.TryGetProperty("errors", out var errorsElement) && errorsElement.ValueKind == JsonValueKind.Object)
                    {
                        errors = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
                        foreach (var field in errorsElement.EnumerateObject())
                        {
                            errors[field.Name] = field.Value.ValueKind == JsonValueKind.Array
                                ? [.. field.Value.EnumerateArray().Select(message => message.ToString())]
                                : [field.Value.ToString()];
                        }
                    }
                }
            }
        }
        catch (JsonException)
        {
            // Not a problem document (a proxy's HTML page, say): the status code alone speaks.
        }

        title ??= DefaultTitle(response.StatusCode);
        if (current is not null)
        {
            return new LiveFeedItemChangedException(title, detail, new VersionedItem(current, response.Headers.ETag?.ToString()));
        }

        return new LiveFeedApiException(status, title, detail, errors, RetryAfterOf(response.Headers.RetryAfter, TimeProvider.System));
    }

    /// <summary>The wait a <c>Retry-After</c> header asks for (seconds or a date), or null.</summary>
    internal static TimeSpan? RetryAfterOf(RetryConditionHeaderValue? header, TimeProvider time)
    {
        if (header?.Delta is { } delta)
        {
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        }

        if (header?.Date is { } date)
        {
            var wait = date - time.GetUtcNow();
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }

        return null;
    }

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string DefaultTitle(HttpStatusCode status) => status switch
    {
        HttpStatusCode.Unauthorized => "The newsroom key is missing or wrong",
        HttpStatusCode.Forbidden => "The newsroom key may not do this",
        HttpStatusCode.NotFound => "Not found",
        HttpStatusCode.TooManyRequests => "Too many requests",
        HttpStatusCode.ServiceUnavailable => "The server is unavailable",
        _ => string.Create(CultureInfo.InvariantCulture, $"The server answered {(int)status} {status}"),
    };

    // One line a person can act on: the bad fields when there are any, else title and detail.
    private static string Describe(string title, string? detail, IReadOnlyDictionary<string, IReadOnlyList<string>>? errors)
    {
        if (errors is { Count: > 0 })
        {
            return string.Join("; ", errors.SelectMany(field => field.Value.Select(message => $"{field.Key}: {message}")));
        }

        return string.IsNullOrWhiteSpace(detail) ? title : $"{title}: {detail}";
    }
}
