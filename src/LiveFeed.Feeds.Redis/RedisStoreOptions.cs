using System.ComponentModel.DataAnnotations;

namespace LiveFeed.Feeds.Redis;

/// <summary>The <c>Redis</c> configuration section (the connection itself is <c>ConnectionStrings:Redis</c>).</summary>
public sealed class RedisStoreOptions
{
    /// <summary>The configuration section's name.</summary>
    public const string Section = "Redis";

    /// <summary>
    /// The prefix of every key and pub/sub channel (<c>Redis:Prefix</c>). Deployments sharing one Redis
    /// each take their own.
    /// </summary>
    [Required(ErrorMessage = "Redis:Prefix must not be empty: 1 to 64 letters, digits, '.', '_', ':' or '-'.")]
    [RegularExpression("^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$",
        ErrorMessage = "Redis:Prefix is 1 to 64 letters, digits, '.', '_', ':' or '-', starting with a letter or digit.")]
    public string Prefix { get; set; } = RedisFeedKeys.DefaultPrefix;
}
