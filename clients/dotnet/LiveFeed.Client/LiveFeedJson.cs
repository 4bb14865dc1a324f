using System.Text.Json;
using System.Text.Json.Serialization;

namespace LiveFeed.Client;

/// <summary>The JSON settings of the HTTP API: camelCase, nulls left out of requests.</summary>
public static class LiveFeedJson
{
    /// <summary>The options the client reads and writes the API's JSON with.</summary>
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}
