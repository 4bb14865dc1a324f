using System.Text.Json;
using LiveFeed.Server.Pages;

namespace LiveFeed.Server.HtmlPages;

/// <summary>
/// The addresses of the built scripts and styles, whose names carry a hash of their content: the npm build's
/// <c>manifest.json</c> (<c>"assets": {"reader.js": "/assets/reader-3FQ7XK2A.js"}</c>, and the chunks a module
/// imports at once under <c>"preload"</c>), read once at start.
/// </summary>
internal sealed class PageAssets
{
    private readonly Dictionary<string, string> _addresses;
    private readonly Dictionary<string, string[]> _preloads;

    private PageAssets(Manifest manifest)
    {
        _addresses = manifest.Assets ?? [];
        _preloads = manifest.Preload ?? [];
    }

    /// <summary>False when the server was built without the pages: the rendered pages then answer 404.</summary>
    public bool Available => _addresses.Count > 0;

    public string ReaderScript => this["reader.js"];

    public string ColumnStyles => this["livefeed.css"];

    public string ReaderStyles => this["reader.css"];

    /// <summary>The chunks the reader page's script (a module) imports at once: the page asks for them beside it.</summary>
    public IReadOnlyList<string> ReaderScriptChunks => _preloads.GetValueOrDefault("reader.js") ?? [];

    private string this[string name] => _addresses.TryGetValue(name, out var address)
        ? address
        : throw new InvalidOperationException($"The pages' manifest names no {name}: rebuild clients/web.");

    public static PageAssets Load(string root)
    {
        var manifest = Path.Combine(root, "manifest.json");
        return new PageAssets(File.Exists(manifest) ? JsonSerializer.Deserialize<Manifest>(File.ReadAllText(manifest), Json) ?? new() : new());
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The assets of the pages beside the server's assembly (<see cref="PagesHosting.Root"/>).</summary>
    public static PageAssets LoadBuilt() => Load(PagesHosting.Root);

    private sealed record Manifest
    {
        public Dictionary<string, string>? Assets { get; init; }

        public Dictionary<string, string[]>? Preload { get; init; }
    }
}
