using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using LiveFeed.Benchmarks.Generator;
using LiveFeed.Benchmarks.Reporting;
using LiveFeed.Benchmarks.Servers;

namespace LiveFeed.Benchmarks;

/// <summary>
/// Runs every mode, load and round, the servers alternating within each round, then prints the table,
/// writes the JSON results and the plots. Every wait has a timeout.
/// </summary>
internal static class BenchmarkRunner
{
    private const string ServerCpus = "0";
    private const int GeneratorCpu = 1;
    private static readonly TimeSpan PingInterval = TimeSpan.FromSeconds(15);

    public static async Task<int> RunAsync(BenchmarkOptions options, string command)
    {
        var serverDll = options.ServerDll ?? Deployment.DefaultServerDll();
        if (!File.Exists(serverDll))
        {
            Console.Error.WriteLine($"LiveFeed.Server.dll not found at {serverDll}: build the solution in Release (or pass --server-dll).");
            return 2;
        }

        var pinning = Pin(options);
        var report = new RunReport
        {
            StartedAt = DateTime.UtcNow,
            Command = command,
            Machine = $"{Environment.ProcessorCount} cores seen by the generator, {Environment.OSVersion}, .NET {Environment.Version}",
            Pinning = pinning.Description,
            LoadAverageAtStart = LoadAverage(),
        };
        Console.WriteLine($"LiveFeed benchmark: {report.Machine}");
        Console.WriteLine($"Pinning: {report.Pinning}");
        var liveFeedRuntime = options.LiveFeedRuntime ? Deployment.LiveFeedRuntime : new Dictionary<string, string>();
        Console.WriteLine($"Runtime settings: LiveFeed {Variables(liveFeedRuntime)}{(options.LiveFeedRuntime ? " (as shipped)" : string.Empty)}; every server {Variables(options.ServerEnvironment)}");
        Console.WriteLine($"Load average at start: {report.LoadAverageAtStart}");

        if (options.Surge is not null)
        {
            await SurgeRunner.RunAsync(options, pinning, serverDll, report);
        }

        foreach (var mode in options.Surge is null ? options.Modes : [])
        {
            await using var redis = mode == "memory" ? null : await StartRedisAsync(pinning.SideCpus);
            var redisAddress = redis is null ? null : $"127.0.0.1:{redis.Address.Port}";
            foreach (var load in options.Loads)
            {
                for (var round = 1; round <= options.Rounds; round++)
                {
                    foreach (var server in options.Servers)
                    {
                        var result = await MeasureAsync(options, mode, server, load, round, redisAddress, pinning, serverDll);
                        report.Measurements.Add(result);
                        Console.WriteLine(Table.Line(result));
                    }
                }
            }
        }

        report.LoadAverageAtEnd = LoadAverage();
        foreach (var group in report.Measurements.GroupBy(m => (m.Mode, m.Server, m.Readers, m.Rate)))
        {
            report.Summaries.Add(Summary.Of([.. group]));
        }

        foreach (var group in report.Summaries.GroupBy(s => (s.Mode, s.Server)))
        {
            // Memory per reader as the slope of resident memory over readers (fewest to most readers).
            // And of the live heap, when it was measured.
            var key = $"{group.Key.Mode}/{group.Key.Server}";
            if (Slope(group, s => s.ServerIdleMegabytes) is { } memory)
            {
                report.MemorySlopeKilobytesPerReader[key] = memory;
            }

            if (Slope(group, s => s.ServerIdleHeapMegabytes) is { } heap)
            {
                report.HeapSlopeKilobytesPerReader[key] = heap;
            }
        }

        Console.WriteLine();
        Console.WriteLine(options.Surge is null ? Table.Render(report) : SurgeTable.Render(report));
        Console.WriteLine($"Load average at end: {report.LoadAverageAtEnd}");

        var output = Path.GetFullPath(options.Output);
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        await File.WriteAllTextAsync(output, JsonSerializer.Serialize(report, ResultsJson.Options));
        Console.WriteLine($"Results: {output}");
        if (options.Plot is not null)
        {
            foreach (var path in options.Surge is null ? LatencyPlot.Write(report, options.Plot) : SurgePlot.Write(report, options.Plot))
            {
                Console.WriteLine($"Plot: {Path.GetFullPath(path)}");
            }
        }

        return report.Measurements.All(m => m.Clean) && report.Surges.All(surge => surge.Clean) ? 0 : 1;
    }

    /// <summary>KB per reader from the fewest readers to the most (the lowest of a load's rounds' medians); null without two loads or figures.</summary>
    private static double? Slope(IEnumerable<Summary> summaries, Func<Summary, double> megabytes)
    {
        var byReaders = summaries.Where(s => !double.IsNaN(megabytes(s))).GroupBy(s => s.Readers).OrderBy(g => g.Key)
            .Select(g => (Readers: g.Key, Megabytes: g.Min(megabytes))).ToList();
        if (byReaders.Count < 2)
        {
            return null;
        }

        var (low, high) = (byReaders[0], byReaders[^1]);
        return Math.Round((high.Megabytes - low.Megabytes) * 1024 / (high.Readers - low.Readers), 2);
    }

    private static async Task<MeasurementResult> MeasureAsync(
        BenchmarkOptions options, string mode, string server, Load load, int round, string? redis, Pinning pinning, string serverDll)
    {
        // A stream's data is JSON whatever --protocol says.
        var protocol = server == ServerKinds.LiveFeedStream || options.Protocol == HubProtocolName.Json ? "json" : "messagepack";
        var result = new MeasurementResult { Mode = mode, Server = server, Readers = load.Readers, Rate = load.Rate, Round = round, Protocol = protocol };
        var feed = $"bench-{mode}-{load.Readers}-{round}-{Stopwatch.GetTimestamp() % 1_000_000}";
        var log = new DeliveryLog();
        try
        {
            await using var deployment = await Deployment.StartAsync(server, mode, redis, pinning.ServerCpus, pinning.SideCpus, serverDll, ServerVariables(options, server));
            await Task.Delay(TimeSpan.FromSeconds(1));
            var baseBytes = ProcessStats.ResidentBytes(deployment.Readers.Pid);

            // Open the readers at a bounded rate; each subscribes as soon as it is connected.
            using var pool = new ReaderPool<IFeedReader>(options.SourceAddresses);
            var connecting = Stopwatch.StartNew();
            var failures = await pool.OpenAsync(
                load.Readers,
                () => server == ServerKinds.LiveFeedStream
                    ? new EventStreamReader(log)
                    : new LeanReader(options.Protocol, raw: server == ServerKinds.WebSocket, log),
                deployment.ReaderUri(options.Protocol),
                feed,
                options.OpenRate,
                concurrent: 100,
                timeout: TimeSpan.FromSeconds(30 + (2 * load.Readers / options.OpenRate)));
            var connectSeconds = connecting.Elapsed.TotalSeconds;
            var connected = pool.Readers.Count(reader => reader.IsSubscribed);
            result = result with
            {
                Connected = connected,
                ConnectFailures = failures.Count,
                FirstConnectFailure = failures.FirstOrDefault(),
                ConnectSeconds = Math.Round(connectSeconds, 2),
            };

            using var stopPings = new CancellationTokenSource();
            var pings = PingLoopAsync(pool, stopPings.Token);

            // Idle memory: every reader connected and subscribed, nothing published yet.
            await Task.Delay(TimeSpan.FromSeconds(2));
            var idleBytes = ProcessStats.ResidentBytes(deployment.Readers.Pid);
            var idleHeapBytes = options.HeapDumps is null
                ? (long?)null
                : await HeapDump.LiveBytesAsync(deployment.Readers.Pid, options.HeapDumps, $"{mode}-{server}-{load.Readers}-{round}");

            using var publisher = new Publisher(deployment.Publisher.Address, deployment.PublishKey);

            // Warm-up: JIT, buffers and pools on every path; not counted in latency or rate.
            var warmupCount = (int)Math.Max(3, Math.Ceiling(load.Rate * options.Warmup.TotalSeconds));
            var warmup = await publisher.PublishAsync(feed, warmupCount, load.Rate, options.Warmup + TimeSpan.FromSeconds(60));
            await WaitForDeliveriesAsync(log, (long)connected * warmup.Stored, TimeSpan.FromSeconds(30));
            log.StartMeasuring(warmup.Stored + 1);

            var count = (int)Math.Round(load.Rate * options.Duration.TotalSeconds);
            var countersBefore = await deployment.RuntimeCountersAsync();
            var serverCpuBefore = ProcessStats.CpuTime(deployment.Pids);
            var generatorCpuBefore = ProcessStats.CpuTime(Environment.ProcessId);
            var measuring = Stopwatch.GetTimestamp();
            var published = await publisher.PublishAsync(feed, count, load.Rate, options.Duration + TimeSpan.FromSeconds(60));
            var stored = warmup.Stored + published.Stored;
            var drained = await WaitForDeliveriesAsync(log, (long)connected * stored, TimeSpan.FromSeconds(15) + options.Duration);
            var wall = Stopwatch.GetElapsedTime(measuring);
            var serverCpu = ProcessStats.CpuTime(deployment.Pids) - serverCpuBefore;
            var generatorCpu = ProcessStats.CpuTime(Environment.ProcessId) - generatorCpuBefore;
            var counters = await deployment.RuntimeCountersAsync() - countersBefore;
            await stopPings.CancelAsync();
            await pings;

            var readers = pool.Readers.Where(reader => reader.IsSubscribed).ToList();
            var measuredDeliveries = log.MeasuredDelivered;
            var span = log.LastDelivery > measuring ? Stopwatch.GetElapsedTime(measuring, log.LastDelivery) : wall;
            var generatorCores = generatorCpu / wall;
            // The generator's CPU per delivery, and so the CPU it needs to take in one publish's N deliveries:
            // no reader can see an event earlier than its share of that burst allows.
            var generatorMicroseconds = log.Delivered == 0 ? double.NaN : generatorCpu.TotalMicroseconds / measuredDeliveries;
            var generatorBurst = generatorMicroseconds * connected / 1000 / pinning.GeneratorCores;
            return result with
            {
                Published = stored,
                PublishFailures = warmup.Failed + published.Failed,
                Expected = (long)connected * stored,
                Delivered = log.Delivered,
                Lost = readers.Sum(reader => (long)reader.Sequences.MissingUpTo(stored)),
                Duplicates = readers.Sum(reader => (long)reader.Sequences.Duplicates),
                OutOfOrder = readers.Sum(reader => (long)reader.Sequences.OutOfOrder),
                ReadersDropped = readers.Count(reader => reader.Failure is not null),
                DeliveriesPerSecond = Math.Round(measuredDeliveries / span.TotalSeconds),
                P50Ms = Math.Round(log.LatencyMilliseconds(50), 2),
                P90Ms = Math.Round(log.LatencyMilliseconds(90), 2),
                P99Ms = Math.Round(log.LatencyMilliseconds(99), 2),
                MaxMs = Math.Round(log.MaxLatencyMilliseconds(), 2),
                ServerCpuMicrosecondsPerDelivery = measuredDeliveries == 0 ? double.NaN : Math.Round(serverCpu.TotalMicroseconds / measuredDeliveries, 2),
                ServerCpuCores = Math.Round(serverCpu / wall, 2),
                ServerAllocatedBytesPerDelivery = counters.AllocatedBytes is not { } bytes || measuredDeliveries == 0 ? double.NaN : Math.Round(bytes / measuredDeliveries, 1),
                ServerJitMilliseconds = counters.JitSeconds is { } jit ? Math.Round(jit * 1000, 1) : double.NaN,
                ServerJitMethods = counters.JitMethods ?? double.NaN,
                // Still compiling: the JIT took more than 2% of the server's CPU in the window (methods not yet at their
                // final tier, the compiler's own time), so the figures are not the steady state's.
                JitNotSettled = counters.JitSeconds is { } compiling && compiling > 0.02 * serverCpu.TotalSeconds,
                ServerBaseMegabytes = Math.Round(baseBytes / 1048576.0, 1),
                ServerIdleMegabytes = Math.Round(idleBytes / 1048576.0, 1),
                KilobytesPerReader = connected == 0 ? double.NaN : Math.Round((idleBytes - baseBytes) / 1024.0 / connected, 2),
                ServerIdleHeapMegabytes = idleHeapBytes is { } heap ? Math.Round(heap / 1048576.0, 2) : double.NaN,
                GeneratorCpuCores = Math.Round(generatorCores, 2),
                GeneratorMicrosecondsPerDelivery = Math.Round(generatorMicroseconds, 2),
                GeneratorBurstMilliseconds = Math.Round(generatorBurst, 1),
                // The generator is the limit when it used (nearly) all the cores it may use, or when taking in
                // one publish's N messages costs it a good part of the p99 it measured.
                GeneratorLimited = generatorCores > 0.85 * pinning.GeneratorCores || generatorBurst > 0.5 * log.LatencyMilliseconds(99),
                Error = drained ? published.FirstFailure ?? warmup.FirstFailure : $"not every delivery arrived within the drain time{(published.FirstFailure is null ? "" : "; " + published.FirstFailure)}",
            };
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            return result with { Error = exception.GetBaseException().Message };
        }
    }

    private static async Task<bool> WaitForDeliveriesAsync(DeliveryLog log, long expected, TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (log.Delivered < expected)
        {
            if (Stopwatch.GetTimestamp() > deadline)
            {
                return false;
            }

            await Task.Delay(20);
        }

        return true;
    }

    /// <summary>
    /// Pings every reader once per <see cref="PingInterval"/>, a fifteenth of them each second: real clients ping on
    /// their own clocks, from when each connected, so an audience's pings are spread out. All 10,000 at once made
    /// the servers take them in one burst every 15 s (about 40 MB of receive buffers, then a 100-270 ms GC pause
    /// in LiveFeed, seen with dotnet-counters), which no real audience does.
    /// </summary>
    internal static async Task PingLoopAsync<TReader>(ReaderPool<TReader> pool, CancellationToken cancellationToken)
        where TReader : class, IFeedReader
    {
        const int Slices = 15;
        try
        {
            for (var slice = 0; ; slice = (slice + 1) % Slices)
            {
                await Task.Delay(PingInterval / Slices, cancellationToken);
                await pool.PingSliceAsync(slice, Slices, cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            // The measurement is over.
        }
    }

    internal static async Task<ServerProcess> StartRedisAsync(string? cpus)
    {
        var port = ServerProcess.FreePort();
        var directory = Directory.CreateTempSubdirectory("livefeed-bench-redis-").FullName;
        return await ServerProcess.StartAsync(
            "redis-server",
            "redis-server",
            ["--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory],
            new Dictionary<string, string>(),
            cpus,
            port,
            healthPath: null);
    }

    /// <summary>What <paramref name="server"/>'s processes get on top of the runtime's defaults.</summary>
    internal static Dictionary<string, string> ServerVariables(BenchmarkOptions options, string server)
    {
        var variables = new Dictionary<string, string>();
        if (ServerKinds.IsLiveFeed(server) && options.LiveFeedRuntime)
        {
            foreach (var (key, value) in Deployment.LiveFeedRuntime)
            {
                variables[key] = value;
            }
        }

        foreach (var (key, value) in options.ServerEnvironment)
        {
            variables[key] = value;
        }

        return variables;
    }

    private static string Variables(IReadOnlyDictionary<string, string> variables) =>
        variables.Count == 0 ? "(runtime defaults)" : string.Join(' ', variables.Select(variable => $"{variable.Key}={variable.Value}"));

    private static Pinning Pin(BenchmarkOptions options)
    {
        if (!options.Pin || Environment.ProcessorCount < 2 || !OperatingSystem.IsLinux() || !File.Exists("/usr/bin/taskset"))
        {
            return new Pinning(null, null, Environment.ProcessorCount,
                $"none (servers and generator share all {Environment.ProcessorCount} cores{(options.Pin ? "; pinning needs Linux, taskset and 2+ cores" : "; --no-pin")})");
        }

        Process.GetCurrentProcess().ProcessorAffinity = 1 << GeneratorCpu;
        // Core 0 runs only the server the readers are on, in every mode: what a publish costs elsewhere (Redis, and
        // instance A in backplane mode) runs beside the generator, as it would on other machines in a deployment,
        // so that the backplane hop is measured apart from A's CPU.
        var side = GeneratorCpu.ToString(CultureInfo.InvariantCulture);
        return new Pinning(ServerCpus, side, 1,
            $"the server readers are on (LiveFeed, baselines; instance B in backplane mode) on core {ServerCpus} with taskset -c {ServerCpus}; " +
            $"redis-server and backplane mode's instance A (posts) with taskset -c {side}; the load generator on core {GeneratorCpu} (its own ProcessorAffinity)");
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
}

/// <summary>Where the processes run (<c>taskset</c> CPU lists; null: anywhere).</summary>
/// <param name="ServerCpus">The server the readers are on.</param>
/// <param name="SideCpus">Where Redis and the posting instance of a backplane deployment run.</param>
internal sealed record Pinning(string? ServerCpus, string? SideCpus, int GeneratorCores, string Description);

internal static class ResultsJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}
