using System.Text.RegularExpressions;

namespace LiveFeed.Contracts;

/// <summary>The rule for feed names: <c>^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$</c>.</summary>
public static partial class FeedName
{
    /// <summary>The feed readers see when they name none.</summary>
    public const string Default = "main";

    /// <summary>What a valid name looks like, in words, for error messages.</summary>
    public const string Rule = "1 to 64 lowercase letters, digits and hyphens, starting and ending with a letter or digit";

    /// <summary>True when <paramref name="name"/> is a valid feed name.</summary>
    public static bool IsValid(string? name) => name is not null && Pattern().IsMatch(name);

    // \z, not the contract's $: in .NET, $ also matches before a final "\n", which would let "main\n" through.
    [GeneratedRegex("^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?\\z", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
