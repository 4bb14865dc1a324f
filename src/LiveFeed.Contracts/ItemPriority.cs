using System.Runtime.Serialization;
using System.Text.Json.Serialization;

namespace LiveFeed.Contracts;

/// <summary>How prominently readers should show an item. Lowercase strings on the wire.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ItemPriority>))]
public enum ItemPriority
{
    /// <summary>An ordinary update.</summary>
    [EnumMember(Value = "normal"), JsonStringEnumMemberName("normal")]
    Normal,

    /// <summary>Important: stands out in the feed.</summary>
    [EnumMember(Value = "urgent"), JsonStringEnumMemberName("urgent")]
    Urgent,

    /// <summary>Breaking news: the most prominent.</summary>
    [EnumMember(Value = "flash"), JsonStringEnumMemberName("flash")]
    Flash,
}
