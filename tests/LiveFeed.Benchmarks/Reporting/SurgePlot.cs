using ScottPlot;

namespace LiveFeed.Benchmarks.Reporting;

/// <summary>Readers subscribed (arrival) or resumed (storm) over time, one line per surge: one PNG per kind of surge and size.</summary>
internal static class SurgePlot
{
    private static readonly Dictionary<string, Color> TargetColors = new()
    {
        [StormTarget.B] = LatencyPlot.ServerColors[ServerKinds.LiveFeed],
        [StormTarget.Restart] = Colors.DarkViolet,
    };

    private static readonly LinePattern[] RoundPatterns = [LinePattern.Solid, LinePattern.Dashed, LinePattern.Dotted, LinePattern.DenselyDashed];

    /// <summary>Writes <c>{pathPrefix}-arrival-{readers}.png</c> and/or <c>{pathPrefix}-storm-{readers}.png</c>; answers the paths written.</summary>
    public static IReadOnlyList<string> Write(RunReport report, string pathPrefix)
    {
        var written = new List<string>();
        pathPrefix = LatencyPlot.WithoutPng(pathPrefix);

        foreach (var kind in report.Surges.GroupBy(s => (s.Surge, s.Readers)))
        {
            var arrival = kind.Key.Surge == SurgeKinds.Arrival;
            var plot = new Plot();
            // Say the addresses (and an arrival's deployment) only when lines differ in them.
            var several = kind.Select(s => (s.Sources, arrival ? s.Setting : null)).Distinct().Count() > 1;
            foreach (var surge in kind.Where(s => s.Timeline.Count > 1))
            {
                var line = plot.Add.Scatter(surge.Timeline.Select(p => p[0]).ToArray(), surge.Timeline.Select(p => p[1]).ToArray());
                line.Color = (arrival ? LatencyPlot.ServerColors : TargetColors).GetValueOrDefault(arrival ? surge.Server : surge.Setting, Colors.Gray);
                line.LinePattern = RoundPatterns[(surge.Round - 1) % RoundPatterns.Length];
                line.LineWidth = 2;
                line.MarkerSize = 0;
                var what = arrival ? $"{surge.Server}" : $"back to {(surge.Setting == StormTarget.B ? "B" : "A restarted")}";
                var detail = several ? $", {surge.Sources} addresses{(arrival ? ", " + surge.Setting : "")}" : "";
                line.LegendText = $"{what}{detail}, round {surge.Round}";
            }

            var readers = kind.Key.Readers;
            plot.Title(arrival
                ? $"LiveFeed benchmark, arrival: {readers:N0} new readers at once"
                : $"LiveFeed benchmark, reconnect storm: {readers:N0} readers, instance A killed at 0 s");
            plot.XLabel(arrival ? "seconds since the first attempt" : "seconds since the kill");
            plot.YLabel(arrival ? "readers subscribed" : "readers resumed");
            plot.Axes.SetLimitsY(0, readers * 1.05);
            plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
            {
                LabelFormatter = y => y.ToString("N0", System.Globalization.CultureInfo.InvariantCulture),
            };
            plot.ShowLegend(Alignment.LowerRight);

            var path = $"{pathPrefix}-{kind.Key.Surge}-{readers}.png";
            written.Add(LatencyPlot.Save(plot, path));
        }

        return written;
    }
}
