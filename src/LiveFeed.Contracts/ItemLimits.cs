namespace LiveFeed.Contracts;

/// <summary>The limits on an item's fields, as the contract states them. Lengths count Unicode characters (code points).</summary>
public static class ItemLimits
{
    /// <summary>Longest headline, after trimming.</summary>
    public const int HeadlineMaxLength = 280;

    /// <summary>Longest body.</summary>
    public const int BodyMaxLength = 4000;

    /// <summary>Most tags on one item.</summary>
    public const int MaxTags = 10;

    /// <summary>Longest tag.</summary>
    public const int TagMaxLength = 32;

    /// <summary>Longest link.</summary>
    public const int LinkMaxLength = 2048;

    /// <summary>Longest <c>Idempotency-Key</c> header.</summary>
    public const int IdempotencyKeyMaxLength = 128;

    /// <summary>How far ahead a <c>publishAt</c> must be at least.</summary>
    public static readonly TimeSpan PublishAtMinLead = TimeSpan.FromSeconds(5);

    /// <summary>How far ahead a <c>publishAt</c> may be at most.</summary>
    public static readonly TimeSpan PublishAtMaxLead = TimeSpan.FromDays(30);

    /// <summary>Largest request body the newsroom API reads, in bytes.</summary>
    public const int MaxRequestBodyBytes = 64 * 1024;
}
