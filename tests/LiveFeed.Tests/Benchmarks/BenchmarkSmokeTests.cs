using System.Diagnostics;
using System.Text.Json;
using LiveFeed.Tests.Infrastructure;

namespace LiveFeed.Tests.Benchmarks;

/// <summary>
/// The benchmark (tests/LiveFeed.Benchmarks) runs end to end against a real LiveFeed process with a few
/// hundred readers: every reader, on the hub or on the event stream, receives every event once and in order; the surges (arrival, reconnect storm)
/// leave no reader out and resume every one from its position. No timing is asserted: speed is the benchmark's
/// business, not CI's.
/// </summary>
public sealed class BenchmarkSmokeTests
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(120);

    [Theory]
    [InlineData("json")]
    [InlineData("messagepack")]
    public async Task BenchmarkCompletesWithEveryEventDeliveredOnceAndInOrderAndReportsTheServersJit(string protocol)
    {
        var (exitCode, output, results) = await RunBenchmarkAsync(
            "--servers", "livefeed", "--loads", "200x2", "--duration", "2", "--rounds", "1", "--protocol", protocol, "--no-pin");

        Assert.True(exitCode == 0, $"The benchmark exited with {exitCode}:\n{output}");
        var measurement = Assert.Single(results.GetProperty("measurements").EnumerateArray());
        Assert.True(measurement.GetProperty("error").ValueKind == JsonValueKind.Null, output);
        Assert.Equal(200, measurement.GetProperty("connected").GetInt32());
        Assert.True(measurement.GetProperty("published").GetInt32() > 0, output);
        Assert.Equal(measurement.GetProperty("expected").GetInt64(), measurement.GetProperty("delivered").GetInt64());
        AssertNothingLostRepeatedOrReordered(measurement);

        // The server's JIT is read from its /metrics around the window: a server seconds old is still compiling.
        Assert.Equal(JsonValueKind.Number, measurement.GetProperty("serverJitMethods").ValueKind);
        Assert.True(measurement.GetProperty("serverJitMethods").GetDouble() > 0, output);
        Assert.True(measurement.GetProperty("serverJitMilliseconds").GetDouble() > 0, output);
    }

    [Fact]
    public async Task StreamReadersReceiveEveryEventOnceAndInOrderInTheSameRunAsHubReaders()
    {
        var (exitCode, output, results) = await RunBenchmarkAsync(
            "--servers", "livefeed,livefeed-sse", "--loads", "200x2", "--duration", "2", "--rounds", "1", "--no-pin");

        Assert.True(exitCode == 0, $"The benchmark exited with {exitCode}:\n{output}");
        var measurements = results.GetProperty("measurements").EnumerateArray().ToList();
        Assert.Equal(["livefeed", "livefeed-sse"], measurements.Select(m => m.GetProperty("server").GetString()));
        foreach (var measurement in measurements)
        {
            Assert.True(measurement.GetProperty("error").ValueKind == JsonValueKind.Null, output);
            Assert.Equal(200, measurement.GetProperty("connected").GetInt32());
            Assert.True(measurement.GetProperty("published").GetInt32() > 0, output);
            Assert.Equal(measurement.GetProperty("expected").GetInt64(), measurement.GetProperty("delivered").GetInt64());
            AssertNothingLostRepeatedOrReordered(measurement);
        }
    }

    [Fact]
    public async Task ArrivalSubscribesEveryReaderAndRetriesRefusedOnesAsRetryAfterSays()
    {
        // Two source addresses, and LiveFeed's per-address limit down to 50 new connections (then 50 a second): about
        // half the readers are refused with 429 at first and must come back as Retry-After says. Bare SignalR has no limit.
        var (exitCode, output, results) = await RunBenchmarkAsync(
            "--surge", "arrival", "--readers", "200", "--sources", "2", "--rounds", "1", "--no-pin",
            "--env", "Limits__NewConnections__TokenLimit=50", "--env", "Limits__NewConnections__TokensPerPeriod=50");

        Assert.True(exitCode == 0, $"The benchmark exited with {exitCode}:\n{output}");
        Assert.Contains("[arrival memory livefeed 200 readers from 2 addresses, round 1] all 200 subscribed in ", output, StringComparison.Ordinal);
        Assert.Contains("[arrival memory signalr 200 readers from 2 addresses, round 1] all 200 subscribed in ", output, StringComparison.Ordinal);
        Assert.Contains("200 readers from 2 addresses (memory): LiveFeed took ", output, StringComparison.Ordinal);
        var surges = results.GetProperty("surges").EnumerateArray().ToList();
        Assert.Equal(["livefeed", "signalr"], surges.Select(s => s.GetProperty("server").GetString()));
        foreach (var surge in surges)
        {
            Assert.True(surge.GetProperty("error").ValueKind == JsonValueKind.Null, output);
            Assert.Equal(200, surge.GetProperty("done").GetInt32());
            Assert.Equal(0, surge.GetProperty("leftOut").GetInt32());
            Assert.Equal(200, surge.GetProperty("receivedNext").GetInt32());
            AssertNothingLostRepeatedOrReordered(surge);
        }

        var liveFeed = surges[0];
        Assert.True(liveFeed.GetProperty("failures").TryGetProperty("429", out var refused) && refused.GetInt32() > 0, output);
        Assert.True(liveFeed.GetProperty("retries").GetInt32() >= refused.GetInt32(), output);
        Assert.Contains("failed: 429 x", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReconnectStormResumesEveryReaderWithNothingLostRepeatedOrReordered()
    {
        var (exitCode, output, results) = await RunBenchmarkAsync(
            "--surge", "storm", "--readers", "200", "--storm-target", "b,restart", "--rate", "5", "--rounds", "1", "--no-pin");

        Assert.True(exitCode == 0, $"The benchmark exited with {exitCode}:\n{output}");
        Assert.Contains("[storm back to b 200 readers from 254 addresses, round 1] all 200 resumed in ", output, StringComparison.Ordinal);
        Assert.Contains("[storm back to restart 200 readers from 254 addresses, round 1] all 200 resumed in ", output, StringComparison.Ordinal);
        Assert.Contains("Redis calls from the kill to the last resume: data ", output, StringComparison.Ordinal);
        Assert.Contains("== storm (medians of rounds", output, StringComparison.Ordinal);
        var surges = results.GetProperty("surges").EnumerateArray().ToList();
        Assert.Equal(["b", "restart"], surges.Select(s => s.GetProperty("setting").GetString()));
        foreach (var surge in surges)
        {
            Assert.True(surge.GetProperty("error").ValueKind == JsonValueKind.Null, output);
            Assert.Equal(200, surge.GetProperty("done").GetInt32());
            Assert.Equal(0, surge.GetProperty("leftOut").GetInt32());
            Assert.Equal(0, surge.GetProperty("resets").GetInt64());
            AssertNothingLostRepeatedOrReordered(surge);
            // Items were posted throughout, and every reader came back from its position in a feed that had moved on.
            Assert.True(surge.GetProperty("head").GetInt64() > 50, output);
            Assert.True(surge.GetProperty("redis").GetProperty("data").GetDouble() > 0, output);
        }

        // The restarted A was not listening at first: its readers were refused and retried.
        Assert.True(surges[1].GetProperty("retries").GetInt32() > 0, output);
    }

    private static void AssertNothingLostRepeatedOrReordered(JsonElement result)
    {
        Assert.Equal(0, result.GetProperty("lost").GetInt64());
        Assert.Equal(0, result.GetProperty("duplicates").GetInt64());
        Assert.Equal(0, result.GetProperty("outOfOrder").GetInt64());
    }

    /// <summary>Runs the benchmark with <paramref name="arguments"/>; answers its exit code, its output and its results file.</summary>
    private static async Task<(int ExitCode, string Output, JsonElement Results)> RunBenchmarkAsync(params string[] arguments)
    {
        var results = Path.Combine(Path.GetTempPath(), $"livefeed-bench-{Guid.NewGuid():N}.json");
        try
        {
            var (exitCode, output) = await RunProcessAsync([.. arguments, "--out", results]);
            using var json = File.Exists(results) ? JsonDocument.Parse(await File.ReadAllTextAsync(results)) : JsonDocument.Parse("{}");
            return (exitCode, output, json.RootElement.Clone());
        }
        finally
        {
            File.Delete(results);
        }
    }

    private static async Task<(int ExitCode, string Output)> RunProcessAsync(string[] arguments)
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
