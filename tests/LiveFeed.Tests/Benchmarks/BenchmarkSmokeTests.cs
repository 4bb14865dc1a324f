using System.Diagnostics;
using System.Text.Json;
using LiveFeed.Tests.Infrastructure;

namespace LiveFeed.Tests.Benchmarks;

/// <summary>
/// The benchmark (tests/LiveFeed.Benchmarks) runs end to end against a real LiveFeed process with a few
/// hundred readers: every reader receives every event once and in order. No timing is asserted: speed
/// is the benchmark's business, not CI's.
/// </summary>
public sealed class BenchmarkSmokeTests
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(120);

    [Theory]
    [InlineData("json")]
    [InlineData("messagepack")]
    public async Task BenchmarkCompletesWithEveryEventDeliveredOnceAndInOrder(string protocol)
    {
        var results = Path.Combine(Path.GetTempPath(), $"livefeed-bench-{Guid.NewGuid():N}.json");
        try
        {
            var (exitCode, output) = await RunBenchmarkAsync(
                "--servers", "livefeed", "--loads", "200x2", "--duration", "2", "--rounds", "1",
                "--protocol", protocol, "--no-pin", "--out", results);

            Assert.True(exitCode == 0, $"The benchmark exited with {exitCode}:\n{output}");
            using var json = JsonDocument.Parse(await File.ReadAllTextAsync(results));
            var measurement = Assert.Single(json.RootElement.GetProperty("measurements").EnumerateArray());
            Assert.True(measurement.GetProperty("error").ValueKind == JsonValueKind.Null, output);
            Assert.Equal(200, measurement.GetProperty("connected").GetInt32());
            Assert.True(measurement.GetProperty("published").GetInt32() > 0, output);
            Assert.Equal(measurement.GetProperty("expected").GetInt64(), measurement.GetProperty("delivered").GetInt64());
            Assert.Equal(0, measurement.GetProperty("lost").GetInt64());
            Assert.Equal(0, measurement.GetProperty("duplicates").GetInt64());
            Assert.Equal(0, measurement.GetProperty("outOfOrder").GetInt64());
        }
        finally
        {
            File.Delete(results);
        }
    }

    private static async Task<(int ExitCode, string Output)> RunBenchmarkAsync(params string[] arguments)
    {
        // The benchmark's build output beside the server's: tests/LiveFeed.Benchmarks/bin/<configuration>/<framework>/.
        // This test's own output is tests/LiveFeed.Tests/bin/<configuration>/<framework>/.
        var testBin = AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar);
        var framework = Path.GetFileName(testBin);
        var configuration = Path.GetFileName(Path.GetDirectoryName(testBin))!;
        var root = Path.GetFullPath(Path.Combine(testBin, "..", "..", "..", "..", ".."));
        var benchmark = Path.Combine(root, "tests", "LiveFeed.Benchmarks", "bin", configuration, framework, "LiveFeed.Benchmarks.dll");

        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(benchmark);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(RunTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"The benchmark did not finish within {RunTimeout.TotalSeconds} s:\n{await stdout}\n{await stderr}");
        }

        return (process.ExitCode, await stdout + await stderr);
    }
}
