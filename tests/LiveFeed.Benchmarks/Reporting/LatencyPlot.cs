using ScottPlot;

namespace LiveFeed.Benchmarks.Reporting;

/// <summary>Latency percentiles (p50, p90, p99) against load, for LiveFeed and both baselines: one PNG per mode.</summary>
internal static class LatencyPlot
{
    /// <summary>Each server's colour, in every plot.</summary>
    internal static readonly Dictionary<string, Color> ServerColors = new()
    {
        [ServerKinds.LiveFeed] = Colors.OrangeRed,
        [ServerKinds.SignalR] = Colors.SteelBlue,
        [ServerKinds.WebSocket] = Colors.SeaGreen,
        [ServerKinds.LiveFeedStream] = Colors.DarkOrange,
    };

    private static readonly (string Name, Func<Summary, double> Value, LinePattern Pattern)[] Percentiles =
    [
        ("p50", s => s.P50Ms, LinePattern.Solid),
        ("p90", s => s.P90Ms, LinePattern.Dashed),
        ("p99", s => s.P99Ms, LinePattern.Dotted),
    ];

    /// <summary>Writes <c>{pathPrefix}-{mode}.png</c> for every mode; answers the paths written.</summary>
    public static IReadOnlyList<string> Write(RunReport report, string pathPrefix)
    {
        var written = new List<string>();
        pathPrefix = WithoutPng(pathPrefix);

        foreach (var mode in report.Summaries.GroupBy(s => s.Mode))
        {
            var loads = mode.Select(s => (s.Readers, s.Rate)).Distinct().OrderBy(l => l.Rate).ThenBy(l => l.Readers).ToList();
            var plot = new Plot();
            foreach (var server in mode.GroupBy(s => s.Server))
            {
                foreach (var (name, value, pattern) in Percentiles)
                {
                    var points = server
                        .Select(s => (X: (double)loads.IndexOf((s.Readers, s.Rate)), Y: value(s)))
                        .Where(p => !double.IsNaN(p.Y))
                        .OrderBy(p => p.X)
                        .ToList();
                    if (points.Count == 0)
                    {
                        continue;
                    }

                    // Log scale: latencies span from milliseconds to seconds.
                    var line = plot.Add.Scatter(points.Select(p => p.X).ToArray(), points.Select(p => Math.Log10(Math.Max(p.Y, 0.1))).ToArray());
                    line.Color = ServerColors.GetValueOrDefault(server.Key, Colors.Gray);
                    line.LinePattern = pattern;
                    line.LineWidth = 2;
                    line.MarkerSize = 6;
                    line.LegendText = $"{server.Key} {name}";
                }
            }

            plot.Axes.Bottom.SetTicks(
                Enumerable.Range(0, loads.Count).Select(i => (double)i).ToArray(),
                loads.Select(l => $"{l.Readers:N0} readers\n{l.Rate} item/s").ToArray());
            var values = mode.SelectMany(s => new[] { s.P50Ms, s.P90Ms, s.P99Ms }).Where(v => !double.IsNaN(v)).DefaultIfEmpty(1).ToList();
            plot.Axes.SetLimitsX(-0.5, loads.Count - 0.5);
            plot.Axes.SetLimitsY(Math.Floor(Math.Log10(Math.Max(values.Min(), 0.1))), Math.Ceiling(Math.Log10(Math.Max(values.Max(), 1))) + 0.1);
            plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
            {
                LabelFormatter = y => Math.Pow(10, y).ToString("N0", System.Globalization.CultureInfo.InvariantCulture),
                MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
                IntegerTicksOnly = true,
            };
            plot.Title($"LiveFeed benchmark ({mode.Key}): publish-to-receive latency");
            plot.YLabel("latency (ms, log scale)");
            plot.ShowLegend(Alignment.UpperLeft);

            var path = $"{pathPrefix}-{mode.Key}.png";
            written.Add(Save(plot, path));
        }

        return written;
    }

    /// <summary>A path prefix without a ".png" its user may have given.</summary>
    internal static string WithoutPng(string pathPrefix) =>
        pathPrefix.EndsWith(".png", StringComparison.OrdinalIgnoreCase) ? pathPrefix[..^4] : pathPrefix;

    /// <summary>Writes <paramref name="plot"/> as a 1000 x 600 PNG at <paramref name="path"/>, making its folder; answers the path.</summary>
    internal static string Save(Plot plot, string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        plot.SavePng(path, 1000, 600);
        return path;
    }
}
