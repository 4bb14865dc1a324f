using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace LiveFeed.Server.Newsroom;

/// <summary>The <c>Newsroom</c> configuration section. Read again whenever the configuration changes (<see cref="NewsroomKeys"/>).</summary>
internal sealed class NewsroomOptions
{
    public const string Section = "Newsroom";

    /// <summary>
    /// <c>Newsroom:ApiKeys:{name}</c>: the lowercase hex SHA-256 of a newsroom key. The name becomes
    /// the <c>author</c> of the items that key posts. The keys themselves are never configured or logged.
    /// </summary>
    public Dictionary<string, string> ApiKeys { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// <c>Newsroom:Scopes:{name}</c>: the feeds key <c>{name}</c> may write to (<see cref="FeedScope"/>); a key with none may
    /// write to every feed. Filled from the section's raw entries (<see cref="NewsroomHosting"/>), so that an entry that is
    /// not one line (a JSON array, say) is seen and refused rather than dropped, which would widen the key to every feed.
    /// </summary>
    public Dictionary<string, string?> Scopes { get; } = new(StringComparer.OrdinalIgnoreCase);
}

/// <summary>
/// The newsroom keys as one checked, immutable set: each key's name, SHA-256 and scope. <see cref="Read"/> is the one
/// check of the <c>Newsroom</c> section, at start (a failure stops the start) and at every reload (a failure keeps the
/// previous set).
/// </summary>
internal sealed partial class NewsroomKeySet
{
    private NewsroomKeySet(IReadOnlyList<Entry> entries) => Entries = entries;

    public static NewsroomKeySet Empty { get; } = new([]);

    public IReadOnlyList<Entry> Entries { get; }

    /// <summary>The set <paramref name="options"/> describe, or null and one sentence per bad setting, each naming its full key.</summary>
    public static NewsroomKeySet? Read(NewsroomOptions options, out IReadOnlyList<string> failures)
    {
        var problems = new List<string>();
        var entries = new List<Entry>();
        foreach (var (name, hash) in options.ApiKeys.OrderBy(entry => entry.Key, StringComparer.Ordinal))
        {
            if (!Sha256Hex().IsMatch(hash ?? string.Empty))
            {
                problems.Add($"Newsroom:ApiKeys:{name} must be the lowercase hex SHA-256 of the newsroom key (64 characters 0-9 a-f).");
                continue;
            }

            var scope = FeedScope.All;
            if (options.Scopes.TryGetValue(name, out var patterns))
            {
                scope = FeedScope.Parse(patterns, out var problem)!;
                if (problem is not null)
                {
                    problems.Add($"Newsroom:Scopes:{name} {problem}.");
                    continue;
                }
            }

            entries.Add(new Entry(name, Convert.FromHexString(hash!), scope));
        }

        // A scope for a name with no key is a misspelt name: the key meant keeps writing everywhere.
        foreach (var name in options.Scopes.Keys.Where(name => !options.ApiKeys.Keys.Contains(name, StringComparer.OrdinalIgnoreCase)))
        {
            problems.Add($"Newsroom:Scopes:{name} names no key: there is no Newsroom:ApiKeys:{name}.");
        }

        failures = problems;
        return problems.Count == 0 ? new NewsroomKeySet(entries) : null;
    }

    /// <summary>True when both sets hold the same keys with the same scopes.</summary>
    public bool SameAs(NewsroomKeySet other) =>
        Entries.Count == other.Entries.Count
        && Entries.Zip(other.Entries).All(pair => pair.First.Name == pair.Second.Name
            && pair.First.Hash.AsSpan().SequenceEqual(pair.Second.Hash) && pair.First.Scope.SameAs(pair.Second.Scope));

    // \z, not $: $ also matches before a final "\n", and a hash pasted with its newline would never match a key.
    [GeneratedRegex("^[0-9a-f]{64}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex Sha256Hex();

    /// <summary>One configured key.</summary>
    public sealed record Entry(string Name, byte[] Hash, FeedScope Scope);
}

/// <summary>
/// Stops the server at start, with every other bad setting (<c>IStartupValidator</c>), when the newsroom keys as
/// configured at start are malformed. A validator of its own marker options rather than of <see cref="NewsroomOptions"/>:
/// those are built again at every reload, and a validator of theirs would throw there, out of the configuration's change
/// callbacks, instead of keeping the last good keys (<see cref="NewsroomKeys"/>).
/// </summary>
internal sealed class NewsroomKeysAtStart
{
    public sealed class Validator(NewsroomKeys keys) : IValidateOptions<NewsroomKeysAtStart>
    {
        public ValidateOptionsResult Validate(string? name, NewsroomKeysAtStart options) =>
            keys.StartFailures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(keys.StartFailures);
    }
}
