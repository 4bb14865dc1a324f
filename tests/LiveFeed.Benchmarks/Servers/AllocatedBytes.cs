using System.Globalization;

namespace LiveFeed.Benchmarks.Servers;

/// <summary>
/// Bytes a server's runtime has allocated since it started, as every server under test exposes it in
/// <c>GET /metrics</c>: <c>dotnet_gc_heap_total_allocated_bytes_total</c>, the runtime's own
/// <c>dotnet.gc.heap.total_allocated</c> (<see cref="GC.GetTotalAllocatedBytes"/>). LiveFeed has it from the
/// built-in <c>System.Runtime</c> meter in its OpenTelemetry metrics; the baselines write the same line
/// (<see cref="Line"/>). Read before and after the measured window, so one scrape's own allocations are in it once.
/// </summary>
internal static class AllocatedBytes
{
    public const string Metric = "dotnet_gc_heap_total_allocated_bytes_total";

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>The metric as a baseline writes it (Prometheus text format).</summary>
    public static string Line() =>
        string.Create(CultureInfo.InvariantCulture, $"# TYPE {Metric} counter\n{Metric} {GC.GetTotalAllocatedBytes()}\n");

    /// <summary>The sum over <paramref name="servers"/>, or null when one does not say.</summary>
    public static async Task<long?> ReadAsync(IEnumerable<ServerProcess> servers)
    {
        long total = 0;
        foreach (var server in servers)
        {
            if (await ReadAsync(server.Address) is not { } bytes)
            {
                return null;
            }

            total += bytes;
        }

        return total;
    }

    private static async Task<long?> ReadAsync(Uri server)
    {
        try
        {
            var text = await Http.GetStringAsync(new Uri(server, "/metrics"));
            foreach (var line in text.Split('\n'))
            {
                // "name value" or "name{labels} value", perhaps with a timestamp after the value.
                if (!line.StartsWith(Metric, StringComparison.Ordinal) || line.Length == Metric.Length || line[Metric.Length] is not (' ' or '{'))
                {
                    continue;
                }

                var fields = line[(line.IndexOf(' ', Metric.Length) + 1)..].Split(' ');
                return (long)double.Parse(fields[0], CultureInfo.InvariantCulture);
            }
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or FormatException)
        {
            // Not exposed: the figure is left out.
        }

        return null;
    }
}
