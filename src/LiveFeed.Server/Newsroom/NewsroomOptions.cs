using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace LiveFeed.Server.Newsroom;

/// <summary>The <c>Newsroom</c> configuration section.</summary>
internal sealed class NewsroomOptions
{
    public const string Section = "Newsroom";

    /// <summary>
    /// <c>Newsroom:ApiKeys:{name}</c>: the lowercase hex SHA-256 of a newsroom key. The name becomes
    /// the <c>author</c> of the items that key posts. The keys themselves are never configured or logged.
    /// </summary>
    public Dictionary<string, string> ApiKeys { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>Stops the server at start when a configured key hash is malformed, naming the key.</summary>
internal sealed partial class NewsroomOptionsValidator : IValidateOptions<NewsroomOptions>
{
    public ValidateOptionsResult Validate(string? name, NewsroomOptions options)
    {
        var failures = options.ApiKeys
            .Where(entry => !Sha256Hex().IsMatch(entry.Value ?? string.Empty))
            .Select(entry => $"Newsroom:ApiKeys:{entry.Key} must be the lowercase hex SHA-256 of the newsroom key (64 characters 0-9 a-f).")
            .ToList();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    // \z, not $: $ also matches before a final "\n", and a hash pasted with its newline would never match a key.
    [GeneratedRegex("^[0-9a-f]{64}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex Sha256Hex();
}
