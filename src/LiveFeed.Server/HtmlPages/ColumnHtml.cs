using LiveFeed.Contracts;

namespace LiveFeed.Server.HtmlPages;

/// <summary>
/// The live column as HTML, with the same elements and classes as the column the pages' script builds
/// (clients/web/src/feed-view.js), so that the script takes it over as it stands: the reader page, and the column a
/// news site includes. The column carries the position it was read at (<c>data-epoch</c>, <c>data-sequence</c>); the
/// script goes live from there. Each item carries its place in the reset page (<c>data-place</c>, 0 the newest), so
/// that the script keeps the feed's order (never <c>publishedAt</c>'s) and puts the pinned item back in its place when
/// it is unpinned. Above the list stand the feed's pinned item (not in the list while pinned; read on its own when it
/// is older than the page's items) and its key events (however old, as the script keeps them), each linking to the
/// item's page.
/// </summary>
internal static class ColumnHtml
{
    public const string NoNews = "No news yet. New items appear here the moment they are published.";
    public const string Loading = "Loading…";

    /// <summary>
    /// The column of <paramref name="feed"/> showing <paramref name="latest"/>, a reset page and the pinned item; with none
    /// (the store could not be read) it says "Loading…" and carries no position, and the script starts from nothing.
    /// </summary>
    /// <param name="itemAddress">The address of an item's own page, relative or absolute.</param>
    /// <param name="emptyText">What the column says when it shows no item, in place of the usual.</param>
    public static Html Render(string feed, LatestItems? latest, string title, int headingLevel, Func<FeedItem, string> itemAddress, string? emptyText = null)
    {
        var page = latest?.Page;
        var all = page?.Items ?? [];
        var pinned = latest?.Pinned;
        var placed = all.Select((item, place) => (Item: item, Place: place)).ToList();
        var items = placed.Where(entry => entry.Item.Id != pinned?.Id).ToList();
        var pinnedPlace = placed.Where(entry => entry.Item.Id == pinned?.Id).Select(entry => entry.Place).DefaultIfEmpty(-1).First();
        var heading = headingLevel == 1 ? "h1" : "h2";
        var position = page is null ? Html.Empty : Html.Of($" data-epoch=\"{page.Epoch}\" data-sequence=\"{page.Sequence}\"");
        return Html.Of($"""
            <section class="lf-column" aria-labelledby="lf-title" data-feed="{feed}"{position}>
            <div class="lf-column-head"><{Html.Text(heading)} class="lf-column-title" id="lf-title" tabindex="-1">{title}</{Html.Text(heading)}><p class="lf-status" role="status" data-state="connecting" hidden><span class="lf-status-dot"></span><span class="lf-status-text">Connecting…</span></p></div>
            {Pinned(pinned, pinnedPlace, itemAddress)}
            {KeyEvents([.. latest?.KeyEvents ?? []], itemAddress, headingLevel + 1)}
            <div class="lf-new" hidden><button type="button" class="lf-new-button"></button></div>
            <ol class="lf-items" aria-labelledby="lf-title">
            {items.Select(entry => Html.Of($"<li class=\"lf-item\" data-id=\"{entry.Item.Id}\" data-priority=\"{Priority(entry.Item)}\" data-place=\"{entry.Place}\">{Item(entry.Item, itemAddress(entry.Item), 3)}</li>\n"))}</ol>
            <p class="lf-empty"{(all.Count > 0 || pinned is not null ? Html.Of($" hidden") : Html.Empty)}>{emptyText ?? (page is null ? Loading : NoNews)}</p>
            <div class="lf-announcer" role="log" aria-live="polite" aria-relevant="additions"></div>
            </section>
            """);
    }

    /// <param name="place">The pinned item's place in the page; -1 when it is older than the page (no <c>data-place</c>).</param>
    private static Html Pinned(FeedItem? pinned, int place, Func<FeedItem, string> itemAddress) => pinned is null
        ? Html.Of($"<div class=\"lf-pinned\" hidden><p class=\"lf-pinned-label\">Pinned</p><div class=\"lf-pinned-entry\"></div></div>")
        : Html.Of($"<div class=\"lf-pinned\"><p class=\"lf-pinned-label\">Pinned</p><div class=\"lf-pinned-entry\" data-id=\"{pinned.Id}\" data-priority=\"{Priority(pinned)}\"{(place < 0 ? Html.Empty : Html.Of($" data-place=\"{place}\""))}>{Item(pinned, itemAddress(pinned), 3)}</div></div>");

    private static Html KeyEvents(List<FeedItem> items, Func<FeedItem, string> itemAddress, int headingLevel)
    {
        var heading = Html.Text($"h{Math.Min(headingLevel, 6)}");
        var entries = items.Select(item => Html.Of($"""<li class="lf-key-event" data-id="{item.Id}"><a class="lf-key-link" href="{itemAddress(item)}"><time class="lf-time" datetime="{PageTimes.Iso(item.PublishedAt)}" title="{PageTimes.Full(item.PublishedAt)}">{PageTimes.Short(item.PublishedAt)}</time> <span class="lf-key-headline">{item.Headline}</span></a></li>"""));
        return Html.Of($"""<nav class="lf-key-events" aria-label="Key events"{(items.Count == 0 ? Html.Of($" hidden") : Html.Empty)}><{heading} class="lf-key-title">Key events</{heading}><ol class="lf-key-list">{entries}</ol></nav>""");
    }

    /// <summary>One item's content: time (linking to <paramref name="address"/>), priority, headline, body, tags, link, "Updated …".</summary>
    public static Html Item(FeedItem item, string? address, int headingLevel)
    {
        var heading = Html.Text(headingLevel == 1 ? "h1" : "h3");
        var published = PageTimes.Iso(item.PublishedAt);
        var time = Html.Of($"<time class=\"lf-time\" datetime=\"{published}\" title=\"{PageTimes.Full(item.PublishedAt)}\">{PageTimes.Short(item.PublishedAt)}</time>");
        var label = PriorityLabel(item.Priority);
        var keyEvent = item.KeyEvent ? Html.Of($"<span class=\"lf-key-badge\">Key event</span>") : Html.Empty;
        return Html.Of($"""
            <article class="lf-entry"><div class="lf-meta">{(address is null ? time : Html.Of($"<a class=\"lf-permalink\" href=\"{address}\">{time}</a>"))}<span class="lf-age" data-since="{published}"></span>{(label is null ? Html.Empty : Html.Of($"<span class=\"lf-priority\">{label}</span>"))}{keyEvent}</div>
            <{heading} class="lf-headline">{item.Headline}</{heading}>{(item.Body is null ? Html.Empty : Html.Of($"<p class=\"lf-body\">{item.Body}</p>"))}{Foot(item)}</article>
            """);
    }

    public static string Priority(FeedItem item) => item.Priority.ToString().ToLowerInvariant();

    private static string? PriorityLabel(ItemPriority priority) => priority switch
    {
        ItemPriority.Flash => "Flash",
        ItemPriority.Urgent => "Urgent",
        _ => null,
    };

    private static Html Foot(FeedItem item)
    {
        var host = LinkHost(item.Link);
        if (item.Tags.Count == 0 && host is null && item.UpdatedAt is null)
        {
            return Html.Empty;
        }

        var tags = item.Tags.Count == 0
            ? Html.Empty
            : Html.Of($"<ul class=\"lf-tags\">{item.Tags.Select(tag => Html.Of($"<li class=\"lf-tag\">{tag}</li>"))}</ul>");
        var link = host is null
            ? Html.Empty
            : Html.Of($"<a class=\"lf-link\" href=\"{item.Link}\" rel=\"noopener noreferrer\">Read more at {host}</a>");
        var updated = item.UpdatedAt is { } at
            ? Html.Of($"<span class=\"lf-updated\" data-at=\"{PageTimes.Iso(at)}\" title=\"{PageTimes.Full(at)}\">Updated {PageTimes.Short(at)}</span>")
            : Html.Empty;
        return Html.Of($"<div class=\"lf-foot\">{tags}{link}{updated}</div>");
    }

    /// <summary>"news.example" for <c>https://www.news.example/story</c>, as the script shows it; null for anything but http(s).</summary>
    private static string? LinkHost(string? link)
    {
        if (!Uri.TryCreate(link, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            return null;
        }

        var host = uri.IsDefaultPort ? uri.IdnHost : $"{uri.IdnHost}:{uri.Port}";
        return host.StartsWith("www.", StringComparison.Ordinal) ? host[4..] : host;
    }
}

/// <summary>
/// What a column shows: a reset page, the feed's pinned item however old (null when none is), and its key events, newest
/// first, however old.
/// </summary>
internal sealed record LatestItems(FeedPage Page, FeedItem? Pinned, IReadOnlyList<FeedItem> KeyEvents);
