using System.Runtime.Serialization;
using System.Text.Json.Serialization;

namespace LiveFeed.Contracts;

/// <summary>What one event did to its item. Lowercase strings on the wire.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<FeedEventKind>))]
public enum FeedEventKind
{
    /// <summary>The item was posted.</summary>
    [EnumMember(Value = "published"), JsonStringEnumMemberName("published")]
    Published,

    /// <summary>The item's content was replaced by a correction.</summary>
    [EnumMember(Value = "corrected"), JsonStringEnumMemberName("corrected")]
    Corrected,

    /// <summary>The item was withdrawn; readers remove it.</summary>
    [EnumMember(Value = "retracted"), JsonStringEnumMemberName("retracted")]
    Retracted,
}
