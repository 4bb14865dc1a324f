using System.Diagnostics;
using LiveFeed.Benchmarks;
using LiveFeed.Benchmarks.Baselines;

// One binary: the load generator, and the two baseline servers it starts as their own processes.
try
{
    return args.FirstOrDefault() switch
    {
        "serve-signalr" => await BareSignalRServer.RunAsync(args[1..]),
        "serve-websocket" => await BareWebSocketServer.RunAsync(args[1..]),
        "pageload" => await LiveFeed.Benchmarks.PageLoad.PageLoadBenchmark.RunAsync(args[1..]),
        "--help" or "-h" => Help(),
        "plot" when args.Length == 3 => await Replot(args[1], args[2]),
        _ when Environment.GetEnvironmentVariable(GeneratorSettings.InlineCompletions) != "1" => await GeneratorSettings.RestartAsync(args),
        _ => await BenchmarkRunner.RunAsync(BenchmarkOptions.Parse(args), "LiveFeed.Benchmarks " + string.Join(' ', args)),
    };
}
catch (ArgumentException exception)
{
    Console.Error.WriteLine(exception.Message);
    return 2;
}

// Draws the plots again from a results file: plot RESULTS.json PATH-PREFIX.
static async Task<int> Replot(string results, string prefix)
{
    var report = System.Text.Json.JsonSerializer.Deserialize<LiveFeed.Benchmarks.Reporting.RunReport>(
        await File.ReadAllTextAsync(results), ResultsJson.Options) ?? throw new ArgumentException($"{results} holds no results.");
    foreach (var path in LiveFeed.Benchmarks.Reporting.LatencyPlot.Write(report, prefix).Concat(LiveFeed.Benchmarks.Reporting.SurgePlot.Write(report, prefix)))
    {
        Console.WriteLine($"Plot: {Path.GetFullPath(path)}");
    }

    return 0;
}

static int Help()
{
    Console.WriteLine(BenchmarkOptions.Usage);
    return 0;
}

/// <summary>
/// The load generator runs socket completions inline on the epoll thread instead of queueing each to the
/// thread pool: about a third less CPU per received message, so the generator stays out of the way of the
/// latency it measures. The runtime reads this only from the environment at start, so the generator
/// starts itself again with it set. The servers it starts never inherit it (see ServerProcess).
/// </summary>
internal static class GeneratorSettings
{
    public const string InlineCompletions = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    public static async Task<int> RestartAsync(string[] args)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
        {
            start.ArgumentList.Add(typeof(GeneratorSettings).Assembly.Location);
        }

        foreach (var argument in args)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment[InlineCompletions] = "1";
        using var process = Process.Start(start) ?? throw new InvalidOperationException("the generator did not start");
        await process.WaitForExitAsync();
        return process.ExitCode;
    }
}
