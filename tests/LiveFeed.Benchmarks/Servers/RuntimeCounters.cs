using System.Globalization;

namespace LiveFeed.Benchmarks.Servers;

/// <summary>
/// What a server's runtime has done since it started, as every server under test exposes it in <c>GET /metrics</c>:
/// the bytes it allocated (<c>dotnet_gc_heap_total_allocated_bytes_total</c>, <see cref="GC.GetTotalAllocatedBytes"/>)
/// and the time its JIT spent compiling (<c>dotnet_jit_compilation_time_seconds_total</c>,
/// <see cref="System.Runtime.JitInfo.GetCompilationTime"/>) and how many methods
/// (<c>dotnet_jit_compiled_methods_total</c>). LiveFeed has them from the built-in <c>System.Runtime</c> meter in its
/// OpenTelemetry metrics; the baselines write the same lines (<see cref="Lines"/>). Read before and after the measured
/// window, so one scrape's own work is in it once.
/// </summary>
internal static class RuntimeCounters
{
    public const string AllocatedMetric = "dotnet_gc_heap_total_allocated_bytes_total";
    public const string JitTimeMetric = "dotnet_jit_compilation_time_seconds_total";
    public const string JitMethodsMetric = "dotnet_jit_compiled_methods_total";

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>The metrics as a baseline writes them (Prometheus text format).</summary>
    public static string Lines() => string.Create(CultureInfo.InvariantCulture,
        $"""
        # TYPE {AllocatedMetric} counter
        {AllocatedMetric} {GC.GetTotalAllocatedBytes()}
        # TYPE {JitTimeMetric} counter
        {JitTimeMetric} {System.Runtime.JitInfo.GetCompilationTime().TotalSeconds}
        # TYPE {JitMethodsMetric} counter
        {JitMethodsMetric} {System.Runtime.JitInfo.GetCompiledMethodCount()}

        """);

    /// <summary>The sums over <paramref name="servers"/>; a figure one of them does not say is null.</summary>
    public static async Task<RuntimeCounterValues> ReadAsync(IEnumerable<ServerProcess> servers)
    {
        var total = new RuntimeCounterValues(0, 0, 0);
        foreach (var server in servers)
        {
            total += await ReadAsync(server.Address);
        }

        return total;
    }

    private static async Task<RuntimeCounterValues> ReadAsync(Uri server)
    {
        try
        {
            var text = await Http.GetStringAsync(new Uri(server, "/metrics"));
            return new RuntimeCounterValues(Value(text, AllocatedMetric), Value(text, JitTimeMetric), Value(text, JitMethodsMetric));
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
        {
            // Not exposed: the figures are left out.
            return new RuntimeCounterValues(null, null, null);
        }
    }

    private static double? Value(string text, string metric)
    {
        foreach (var line in text.Split('\n'))
        {
            // "name value" or "name{labels} value", perhaps with a timestamp after the value.
            if (!line.StartsWith(metric, StringComparison.Ordinal) || line.Length == metric.Length || line[metric.Length] is not (' ' or '{'))
            {
                continue;
            }

            var fields = line[(line.IndexOf(' ', metric.Length) + 1)..].Split(' ');
            return double.TryParse(fields[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : null;
        }

        return null;
    }
}

/// <summary>Counters read from servers' <c>/metrics</c>, or their differences; null where a server did not say.</summary>
internal readonly record struct RuntimeCounterValues(double? AllocatedBytes, double? JitSeconds, double? JitMethods)
{
    public static RuntimeCounterValues operator +(RuntimeCounterValues a, RuntimeCounterValues b) =>
        new(a.AllocatedBytes + b.AllocatedBytes, a.JitSeconds + b.JitSeconds, a.JitMethods + b.JitMethods);

    public static RuntimeCounterValues operator -(RuntimeCounterValues a, RuntimeCounterValues b) =>
        new(a.AllocatedBytes - b.AllocatedBytes, a.JitSeconds - b.JitSeconds, a.JitMethods - b.JitMethods);
}
