using LiveFeed.Contracts;

namespace LiveFeed.Server.FeedDocuments;

/// <summary>
/// The absolute addresses a feed document links to, built from the request that asked for it (its scheme, host and
/// path base: behind a proxy, <c>ASPNETCORE_FORWARDEDHEADERS_ENABLED</c> makes them the public ones).
/// </summary>
internal sealed class FeedLinks(HttpRequest request, string feed)
{
    private readonly string _base = $"{request.Scheme}://{request.Host.ToUriComponent()}{request.PathBase.ToUriComponent()}";

    /// <summary>The reader page of the feed.</summary>
    public Uri ReaderPage => new($"{_base}{ReaderPath(feed)}");

    /// <summary>The feed document in <paramref name="format"/>.</summary>
    public Uri Document(FeedDocumentFormat format) => new($"{_base}{FeedDocumentsApi.PathOf(feed, format)}");

    /// <summary>The item's own page.</summary>
    public Uri ItemPage(FeedItem item) => new($"{_base}{ItemPath(feed, item.Id)}");

    /// <summary>Anything else on this server, by its path (<c>/widget.js</c>).</summary>
    public Uri OnThisServer(string path) => new($"{_base}{path}");

    /// <summary>The path of the reader page of <paramref name="feed"/> (a valid name): <c>/</c> or <c>/?feed=ukraine</c>.</summary>
    public static string ReaderPath(string feed) => feed == FeedName.Default ? "/" : $"/?feed={feed}";

    /// <summary>The path of an item's own page.</summary>
    public static string ItemPath(string feed, string id) => $"/feeds/{feed}/items/{Uri.EscapeDataString(id)}";
}
