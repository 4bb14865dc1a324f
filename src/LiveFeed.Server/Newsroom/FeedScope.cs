using System.Text.RegularExpressions;
using LiveFeed.Contracts;

namespace LiveFeed.Server.Newsroom;

/// <summary>
/// The feeds a newsroom key may write to (<c>Newsroom:Scopes:{name}</c>): comma-separated feed patterns. A pattern is
/// <c>*</c> (every feed), a feed name (that feed), or the start of a feed name followed by <c>*</c> (<c>sport-*</c>: every
/// feed whose name starts with <c>sport-</c>). Spaces around a pattern are ignored; anything else is malformed.
/// </summary>
internal sealed partial class FeedScope
{
    /// <summary>The pattern that allows every feed: what a key without a scope has.</summary>
    public const string Everything = "*";

    /// <summary>The grammar in words, for the failure line.</summary>
    public const string Rule = "comma-separated feed patterns: '*', a feed name, or the start of a feed name followed by '*' (sport-*)";

    private FeedScope(IReadOnlyList<string> patterns) => Patterns = patterns;

    /// <summary>A key without <c>Newsroom:Scopes:{name}</c>: every feed.</summary>
    public static FeedScope All { get; } = new([Everything]);

    /// <summary>The patterns as configured (trimmed), in order: what <c>GET /api/newsroom/me</c> answers as <c>feeds</c>.</summary>
    public IReadOnlyList<string> Patterns { get; }

    /// <summary>True when a key with this scope may write to <paramref name="feed"/> (a valid feed name).</summary>
    public bool Allows(string feed)
    {
        foreach (var pattern in Patterns)
        {
            if (pattern[^1] == '*' ? feed.StartsWith(pattern.AsSpan(0, pattern.Length - 1), StringComparison.Ordinal) : pattern == feed)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The scope the setting's value describes, or null and what is wrong with it.</summary>
    public static FeedScope? Parse(string? value, out string? problem)
    {
        if (value is null)
        {
            problem = $"must be {Rule}, on one line";
            return null;
        }

        var patterns = value.Split(',', StringSplitOptions.TrimEntries);
        foreach (var pattern in patterns)
        {
            if (pattern.Length == 0)
            {
                problem = $"has an empty pattern in {BadSettingsQuote(value)}: it must be {Rule}";
                return null;
            }

            if (pattern != Everything && !FeedName.IsValid(pattern) && !Prefix().IsMatch(pattern))
            {
                problem = $"has {BadSettingsQuote(pattern)}, which is not a feed pattern: it must be {Rule}";
                return null;
            }
        }

        problem = null;
        return new FeedScope(patterns);
    }

    public bool SameAs(FeedScope other) => Patterns.SequenceEqual(other.Patterns, StringComparer.Ordinal);

    private static string BadSettingsQuote(string value) => Hosting.BadSettings.Quote(value);

    // The start of a feed name (a letter or digit, then letters, digits and hyphens), then '*'.
    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,62}\\*\\z", RegexOptions.CultureInvariant)]
    private static partial Regex Prefix();
}
