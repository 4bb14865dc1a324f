using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Unicode;

namespace LiveFeed.Server.HtmlPages;

/// <summary>
/// A piece of HTML made only of this code's own markup and encoded text: <c>Html.Of($"&lt;h3&gt;{item.Headline}&lt;/h3&gt;")</c>
/// encodes the headline, whatever it holds. Only the literal parts of the template, and values that are <see cref="Html"/>
/// already, go out as markup; every other value is text. Attribute values must stand in quotes in the template.
/// </summary>
internal readonly struct Html
{
    // Every Unicode range stays readable (no &#x...; for non-Latin text); the characters that mean something in
    // HTML (< > & " ') are always encoded.
    private static readonly HtmlEncoder TextEncoder = HtmlEncoder.Create(UnicodeRanges.All);

    // JSON inside a <script> data block: < > & are escaped (\u003C ...), so no text can end the block.
    private static readonly JsonSerializerOptions ScriptJson = new()
    {
        Encoder = JavaScriptEncoder.Create(UnicodeRanges.All),
    };

    private readonly string? _markup;

    private Html(string markup) => _markup = markup;

    /// <summary>Nothing.</summary>
    public static Html Empty => default;

    /// <summary>Markup from a template whose values are encoded as text (see the type's remarks).</summary>
    public static Html Of(Builder template) => new(template.Build());

    /// <summary><paramref name="text"/> as text.</summary>
    public static Html Text(string? text) => new(TextEncoder.Encode(text ?? ""));

    /// <summary>The pieces one after another.</summary>
    public static Html Join(IEnumerable<Html> pieces) => new(string.Concat(pieces.Select(piece => piece._markup)));

    /// <summary>
    /// <paramref name="value"/> as JSON for a <c>&lt;script type="application/..."&gt;</c> data block: <c>&lt;</c>,
    /// <c>&gt;</c> and <c>&amp;</c> escaped, so that a headline holding <c>&lt;/script&gt;</c> stays inside the block.
    /// </summary>
    public static Html ScriptData(JsonNode value) => new(value.ToJsonString(ScriptJson));

    public override string ToString() => _markup ?? "";

    /// <summary>The template of <see cref="Of"/>: literal parts are markup, values are encoded.</summary>
    [InterpolatedStringHandler]
    public readonly struct Builder(int literalLength, int formattedCount)
    {
        private readonly StringBuilder _markup = new(literalLength + (formattedCount * 24));

        public void AppendLiteral(string markup) => _markup.Append(markup);

        public void AppendFormatted(string? text) => _markup.Append(TextEncoder.Encode(text ?? ""));

        public void AppendFormatted(long number) => _markup.Append(number.ToString(System.Globalization.CultureInfo.InvariantCulture));

        public void AppendFormatted(Html html) => _markup.Append(html._markup);

        public void AppendFormatted(IEnumerable<Html> pieces)
        {
            foreach (var piece in pieces)
            {
                _markup.Append(piece._markup);
            }
        }

        internal string Build() => _markup.ToString();
    }
}
