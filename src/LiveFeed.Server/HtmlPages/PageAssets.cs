using System.Text.Json;
using LiveFeed.Server.Pages;

namespace LiveFeed.Server.HtmlPages;

/// <summary>
/// The addresses of the built scripts and styles, whose names carry a hash of their content: the npm build's
/// <c>manifest.json</c> (<c>"reader.js": "/assets/reader-3FQ7XK2A.js"</c>), read once at start.
/// </summary>
internal sealed class PageAssets
{
    private readonly Dictionary<string, string> _addresses;

    private PageAssets(Dictionary<string, string> addresses) => _addresses = addresses;

    /// <summary>False when the server was built without the pages: the rendered pages then answer 404.</summary>
    public bool Available => _addresses.Count > 0;

    public string ReaderScript => this["reader.js"];

    public string ColumnStyles => this["livefeed.css"];

    public string ReaderStyles => this["reader.css"];

    private string this[string name] => _addresses.TryGetValue(name, out var address)
        ? address
        : throw new InvalidOperationException($"The pages' manifest names no {name}: rebuild clients/web.");

    public static PageAssets Load(string root)
    {
        var manifest = Path.Combine(root, "manifest.json");
        return File.Exists(manifest)
            ? new PageAssets(JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(manifest)) ?? [])
            : new PageAssets([]);
    }

    /// <summary>The assets of the pages beside the server's assembly (<see cref="PagesHosting.Root"/>).</summary>
    public static PageAssets LoadBuilt() => Load(PagesHosting.Root);
}
