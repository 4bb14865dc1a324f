using System.Text.Json;
using LiveFeed.Tests.Infrastructure;
using Microsoft.Playwright;

namespace LiveFeed.Tests.Pages;

/// <summary>
/// A page's JSON-LD as the browser parsed it out of the HTML, read by a JSON-LD processor (the npm jsonld package, in
/// node: read-jsonld.cjs), expanded: every term a full schema.org IRI.
/// </summary>
internal static class JsonLdReader
{
    public const string Schema = "http://schema.org/";

    /// <summary>The expanded nodes of the page's one <c>application/ld+json</c> block.</summary>
    public static async Task<JsonElement> ReadAsync(IPage page)
    {
        var blocks = await page.Locator("script[type='application/ld+json']").AllTextContentsAsync();
        var block = Assert.Single(blocks);
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, block);
            var (exitCode, output, error) = await Repository.RunAsync(
                "node", [Repository.PathOf("tests/LiveFeed.Tests/Pages/read-jsonld.cjs"), file], Repository.Root,
                new Dictionary<string, string?> { ["NODE_PATH"] = Repository.PathOf("clients/web/node_modules") },
                TimeSpan.FromSeconds(30));
            Assert.True(exitCode == 0, $"the JSON-LD processor read the page's JSON-LD: {error}");
            using var expanded = JsonDocument.Parse(output);
            return expanded.RootElement.Clone();
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>The one value of an expanded node's <paramref name="term"/> (a schema.org term): its <c>@value</c> or <c>@id</c>.</summary>
    public static string Value(JsonElement node, string term)
    {
        var value = Assert.Single(node.GetProperty(Schema + term).EnumerateArray());
        return (value.TryGetProperty("@value", out var literal) ? literal : value.GetProperty("@id")).GetString()!;
    }

    /// <summary>The node's one type, without the schema.org prefix.</summary>
    public static string Type(JsonElement node) =>
        Assert.Single(node.GetProperty("@type").EnumerateArray()).GetString()!.Replace(Schema, "", StringComparison.Ordinal);
}
