using System.Globalization;
using System.Text.RegularExpressions;

namespace LiveFeed.Tests.Infrastructure;

/// <summary>One scrape of <c>/metrics</c> (Prometheus text format), read into samples.</summary>
public sealed partial class PrometheusScrape
{
    private readonly List<Sample> _samples;

    private PrometheusScrape(string text, List<Sample> samples)
    {
        Text = text;
        _samples = samples;
    }

    /// <summary>The scraped text as served.</summary>
    public string Text { get; }

    /// <summary>One line: a metric name, its labels and its value.</summary>
    public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

    /// <summary>GETs <c>/metrics</c> of <paramref name="server"/> and reads it.</summary>
    public static async Task<PrometheusScrape> TakeAsync(Uri server)
    {
        using var client = new HttpClient { BaseAddress = server, Timeout = TimeSpan.FromSeconds(10) };
        using var response = await client.GetAsync(new Uri("/metrics", UriKind.Relative));
        response.EnsureSuccessStatusCode();
        return Parse(await response.Content.ReadAsStringAsync());
    }

    public static PrometheusScrape Parse(string text)
    {
        var samples = new List<Sample>();
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var match = SampleLine().Match(line);
            if (!match.Success)
            {
                throw new FormatException($"Not a Prometheus sample line: {line}");
            }

            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (Match label in LabelPair().Matches(match.Groups["labels"].Value))
            {
                labels[label.Groups["name"].Value] = label.Groups["value"].Value;
            }

            samples.Add(new Sample(match.Groups["name"].Value, labels, double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture)));
        }

        return new PrometheusScrape(text, samples);
    }

    /// <summary>Every sample named <paramref name="name"/> whose labels include <paramref name="labels"/> (name=value pairs).</summary>
    public IReadOnlyList<Sample> All(string name, params (string Name, string Value)[] labels) =>
        _samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Name, out var v) && v == l.Value)).ToList();

    /// <summary>The sum of the samples <see cref="All"/> finds; fails naming the metric when there is none.</summary>
    public double Value(string name, params (string Name, string Value)[] labels)
    {
        var found = All(name, labels);
        Assert.True(found.Count > 0, $"/metrics has no {name} with {string.Join(", ", labels.Select(l => $"{l.Name}=\"{l.Value}\""))}. It has:\n{Text}");
        return found.Sum(s => s.Value);
    }

    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})?\s+(?<value>\S+)(\s+\S+)?$""")]
    private static partial Regex SampleLine();

    [GeneratedRegex("""(?<name>[a-zA-Z_][a-zA-Z0-9_]*)="(?<value>(?:[^"\\]|\\.)*)" """, RegexOptions.IgnorePatternWhitespace)]
    private static partial Regex LabelPair();
}
