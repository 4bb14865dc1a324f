using LiveFeed.Feeds;
using Microsoft.Net.Http.Headers;

namespace LiveFeed.Server.Api;

/// <summary>
/// An item's version as an HTTP entity tag, and <c>If-Match</c> read back into the versions a write is made on. The tag is
/// strong (<c>"{epoch}-{sequence}"</c>, the sequence of the item's latest event) because <c>If-Match</c> compares
/// strongly (RFC 9110, 13.1.1): a weak tag could never match. It names the item's version, so the answer compressed or
/// not carries the same one, as the feed documents' tags do.
/// </summary>
internal static class ItemETags
{
    public const string IfMatchField = "If-Match";

    public static string Of(ItemVersion version) => $"\"{version.Epoch}-{version.Sequence}\"";

    /// <summary>Sets the <c>ETag</c> of an answer that carries one item.</summary>
    public static void Tag(this HttpResponse response, ItemVersion? version)
    {
        if (version is { } known)
        {
            response.Headers.ETag = Of(known);
        }
    }

    /// <summary>
    /// The request's <c>If-Match</c>: null when it has none; false when it is not a list of entity tags or <c>*</c>.
    /// A weak tag, or a tag that is not one of ours, is well-formed and names no version: the write then fails with 412.
    /// </summary>
    public static bool TryRead(HttpRequest request, out IfMatch? ifMatch)
    {
        ifMatch = null;
        var values = request.Headers.IfMatch;
        if (values.Count == 0)
        {
            return true;
        }

        if (!EntityTagHeaderValue.TryParseStrictList(values, out var tags) || tags.Count == 0)
        {
            return false;
        }

        if (tags.Any(tag => tag.Equals(EntityTagHeaderValue.Any)))
        {
            ifMatch = IfMatch.Any;
            return true;
        }

        ifMatch = new IfMatch([.. tags.Where(tag => !tag.IsWeak).Select(tag => Parse(tag.Tag.Value!)).OfType<ItemVersion>()]);
        return true;
    }

    private static ItemVersion? Parse(string quoted)
    {
        var opaque = quoted.Trim('"');
        var dash = opaque.LastIndexOf('-');
        return dash > 0 && long.TryParse(opaque.AsSpan(dash + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var sequence)
            ? new ItemVersion(opaque[..dash], sequence)
            : null;
    }
}
