using System.Globalization;
using System.Text;

namespace LiveFeed.Benchmarks.Reporting;

/// <summary>The text the benchmark prints: a line per measurement, then the medians and LiveFeed's ratios.</summary>
internal static class Table
{
    public static string Line(MeasurementResult m)
    {
        var head = string.Create(CultureInfo.InvariantCulture, $"[{m.Mode} {m.Server,-12} {m.Readers,6} readers x {m.Rate}/s round {m.Round}] ");
        if (m.Error is not null && m.Published == 0)
        {
            return head + "ERROR " + m.Error;
        }

        return head
            + string.Create(CultureInfo.InvariantCulture, $"p50 {m.P50Ms:F1} p90 {m.P90Ms:F1} p99 {m.P99Ms:F1} max {m.MaxMs:F1} ms, {m.DeliveriesPerSecond:N0} deliveries/s, ")
            + string.Create(CultureInfo.InvariantCulture, $"server {m.ServerCpuMicrosecondsPerDelivery:F1} us/delivery ({m.ServerCpuCores:F2} cores), {m.ServerAllocatedBytesPerDelivery:F0} B allocated/delivery, JIT {m.ServerJitMilliseconds:F0} ms ({m.ServerJitMethods:F0} methods){(m.JitNotSettled ? " (NOT SETTLED)" : "")}, {m.KilobytesPerReader:F1} KB/reader, ")
            + (double.IsNaN(m.ServerIdleHeapMegabytes) ? "" : string.Create(CultureInfo.InvariantCulture, $"idle RSS {m.ServerIdleMegabytes:F1} MB, live heap {m.ServerIdleHeapMegabytes:F1} MB, "))
            + string.Create(CultureInfo.InvariantCulture, $"generator {m.GeneratorCpuCores:F2} cores, {m.GeneratorMicrosecondsPerDelivery:F1} us/delivery, burst {m.GeneratorBurstMilliseconds:F0} ms{(m.GeneratorLimited ? " (LIMIT)" : "")}, ")
            + string.Create(CultureInfo.InvariantCulture, $"lost {m.Lost} dup {m.Duplicates} ooo {m.OutOfOrder}, connected {m.Connected}/{m.Readers} in {m.ConnectSeconds:F1} s")
            + (m.Error is null ? "" : " ERROR " + m.Error);
    }

    public static string Render(RunReport report)
    {
        var text = new StringBuilder();
        foreach (var mode in report.Summaries.GroupBy(s => s.Mode))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"== {mode.Key} (medians of rounds; latency publish-to-receive in ms) ==");
            text.AppendLine("| readers x rate | server | p50 | p90 | p99 | max | deliveries/s | server us/delivery | server B allocated/delivery | server JIT ms | KB/reader (idle) | generator cores, burst ms | lost/dup/ooo |");
            text.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
            foreach (var load in mode.GroupBy(s => (s.Readers, s.Rate)))
            {
                foreach (var s in load)
                {
                    text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                        $"| {s.Readers:N0} x {s.Rate}/s | {s.Server} | {s.P50Ms:F1} | {s.P90Ms:F1} | {s.P99Ms:F1} | {s.MaxMs:F1} | {s.DeliveriesPerSecond:N0} | " +
                        $"{s.ServerCpuMicrosecondsPerDelivery:F1} | {s.ServerAllocatedBytesPerDelivery:F0} | {s.ServerJitMilliseconds:F0}{(s.JitNotSettled ? " NOT SETTLED" : "")} | {s.KilobytesPerReader:F1} | {s.GeneratorCpuCores:F2}, {s.GeneratorBurstMilliseconds:F0}{(s.GeneratorLimited ? " LIMIT" : "")} | " +
                        $"{s.Lost}/{s.Duplicates}/{s.OutOfOrder}{(s.Clean ? "" : " NOT CLEAN")} |"));
                }
            }

            text.AppendLine();
            text.AppendLine("LiveFeed as a ratio of each baseline (latency and CPU: lower is better; deliveries/s: higher is better):");
            text.AppendLine("| readers x rate | baseline | p50 | p99 | deliveries/s | server us/delivery | server B allocated/delivery | KB/reader |");
            text.AppendLine("|---|---|---|---|---|---|---|---|");
            foreach (var load in mode.GroupBy(s => (s.Readers, s.Rate)))
            {
                var liveFeed = load.FirstOrDefault(s => s.Server == ServerKinds.LiveFeed);
                if (liveFeed is null)
                {
                    continue;
                }

                foreach (var baseline in load.Where(s => s.Server != ServerKinds.LiveFeed))
                {
                    text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                        $"| {load.Key.Readers:N0} x {load.Key.Rate}/s | {baseline.Server} | {Ratio(liveFeed.P50Ms, baseline.P50Ms)} | {Ratio(liveFeed.P99Ms, baseline.P99Ms)} | " +
                        $"{Ratio(liveFeed.DeliveriesPerSecond, baseline.DeliveriesPerSecond)} | {Ratio(liveFeed.ServerCpuMicrosecondsPerDelivery, baseline.ServerCpuMicrosecondsPerDelivery)} | " +
                        $"{Ratio(liveFeed.ServerAllocatedBytesPerDelivery, baseline.ServerAllocatedBytesPerDelivery)} | " +
                        $"{Ratio(liveFeed.KilobytesPerReader, baseline.KilobytesPerReader)} |"));
                }
            }

            text.AppendLine();
        }

        if (report.MemorySlopeKilobytesPerReader.Count > 0)
        {
            text.AppendLine("Server resident memory per reader, slope from the fewest to the most readers (KB/reader):");
            foreach (var (key, slope) in report.MemorySlopeKilobytesPerReader)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"  {key}: {slope:F1}");
            }
        }

        if (report.HeapSlopeKilobytesPerReader.Count > 0)
        {
            text.AppendLine("Server live managed heap per reader (dotnet-gcdump at idle), the same slope (KB/reader):");
            foreach (var (key, slope) in report.HeapSlopeKilobytesPerReader)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"  {key}: {slope:F1}");
            }
        }

        return text.ToString();
    }

    private static string Ratio(double value, double baseline) =>
        double.IsNaN(value) || double.IsNaN(baseline) || baseline <= 0 ? "n/a" : (value / baseline).ToString("F2", CultureInfo.InvariantCulture) + "x";
}
