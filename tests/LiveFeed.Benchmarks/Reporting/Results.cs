namespace LiveFeed.Benchmarks.Reporting;

/// <summary>What one measurement (one server, one load, one round) saw.</summary>
internal sealed record MeasurementResult
{
    public required string Mode { get; init; }
    public required string Server { get; init; }
    public required int Readers { get; init; }
    public required double Rate { get; init; }
    public required int Round { get; init; }
    public required string Protocol { get; init; }
    public int Connected { get; init; }
    public int ConnectFailures { get; init; }
    public string? FirstConnectFailure { get; init; }
    public double ConnectSeconds { get; init; }
    public int Published { get; init; }
    public int PublishFailures { get; init; }
    public long Expected { get; init; }
    public long Delivered { get; init; }
    public long Lost { get; init; }
    public long Duplicates { get; init; }
    public long OutOfOrder { get; init; }
    public int ReadersDropped { get; init; }
    public double DeliveriesPerSecond { get; init; }
    public double P50Ms { get; init; }
    public double P90Ms { get; init; }
    public double P99Ms { get; init; }
    public double MaxMs { get; init; }
    public double ServerCpuMicrosecondsPerDelivery { get; init; }
    public double ServerCpuCores { get; init; }

    /// <summary>Bytes the server(s) allocated over the measured window, divided by the measured deliveries (NaN: not exposed).</summary>
    public double ServerAllocatedBytesPerDelivery { get; init; } = double.NaN;

    /// <summary>Time the server(s)' JIT spent compiling over the measured window, in ms, and how many methods (NaN: not exposed).</summary>
    public double ServerJitMilliseconds { get; init; } = double.NaN;
    public double ServerJitMethods { get; init; } = double.NaN;

    /// <summary>The JIT took more than 2% of the server's CPU in the window: not yet the steady state (a longer <c>--warmup</c>).</summary>
    public bool JitNotSettled { get; init; }
    public double ServerBaseMegabytes { get; init; }
    public double ServerIdleMegabytes { get; init; }
    public double KilobytesPerReader { get; init; }

    /// <summary>The live managed heap at idle (<c>--heap-dumps</c>), or NaN.</summary>
    public double ServerIdleHeapMegabytes { get; init; } = double.NaN;
    public double GeneratorCpuCores { get; init; }
    public double GeneratorMicrosecondsPerDelivery { get; init; }
    public double GeneratorBurstMilliseconds { get; init; }
    public bool GeneratorLimited { get; init; }
    public string? Error { get; init; }

    public bool Clean => Error is null && Lost == 0 && Duplicates == 0 && OutOfOrder == 0 && ConnectFailures == 0 && PublishFailures == 0;
}

/// <summary>The medians over the rounds of one server at one load.</summary>
internal sealed record Summary
{
    public required string Mode { get; init; }
    public required string Server { get; init; }
    public required int Readers { get; init; }
    public required double Rate { get; init; }
    public int Rounds { get; init; }
    public double DeliveriesPerSecond { get; init; }
    public double P50Ms { get; init; }
    public double P90Ms { get; init; }
    public double P99Ms { get; init; }
    public double MaxMs { get; init; }
    public double ServerCpuMicrosecondsPerDelivery { get; init; }
    public double ServerAllocatedBytesPerDelivery { get; init; } = double.NaN;
    public double ServerJitMilliseconds { get; init; } = double.NaN;
    public bool JitNotSettled { get; init; }
    public double ServerIdleMegabytes { get; init; }
    public double KilobytesPerReader { get; init; }
    public double ServerIdleHeapMegabytes { get; init; }
    public double GeneratorCpuCores { get; init; }
    public double GeneratorBurstMilliseconds { get; init; }
    public bool GeneratorLimited { get; init; }
    public long Lost { get; init; }
    public long Duplicates { get; init; }
    public long OutOfOrder { get; init; }
    public bool Clean { get; init; }

    public static Summary Of(IReadOnlyList<MeasurementResult> rounds)
    {
        var first = rounds[0];
        var ok = rounds.Where(round => round.Error is null).ToList();
        return new Summary
        {
            Mode = first.Mode,
            Server = first.Server,
            Readers = first.Readers,
            Rate = first.Rate,
            Rounds = ok.Count,
            DeliveriesPerSecond = Median(ok, r => r.DeliveriesPerSecond),
            P50Ms = Median(ok, r => r.P50Ms),
            P90Ms = Median(ok, r => r.P90Ms),
            P99Ms = Median(ok, r => r.P99Ms),
            MaxMs = Median(ok, r => r.MaxMs),
            ServerCpuMicrosecondsPerDelivery = Median(ok, r => r.ServerCpuMicrosecondsPerDelivery),
            ServerAllocatedBytesPerDelivery = Median(ok, r => r.ServerAllocatedBytesPerDelivery),
            ServerJitMilliseconds = Median(ok, r => r.ServerJitMilliseconds),
            JitNotSettled = rounds.Any(r => r.JitNotSettled),
            ServerIdleMegabytes = Median(ok, r => r.ServerIdleMegabytes),
            KilobytesPerReader = Median(ok, r => r.KilobytesPerReader),
            ServerIdleHeapMegabytes = Median(ok, r => r.ServerIdleHeapMegabytes),
            GeneratorCpuCores = Median(ok, r => r.GeneratorCpuCores),
            GeneratorBurstMilliseconds = Median(ok, r => r.GeneratorBurstMilliseconds),
            GeneratorLimited = rounds.Any(r => r.GeneratorLimited),
            Lost = rounds.Sum(r => r.Lost),
            Duplicates = rounds.Sum(r => r.Duplicates),
            OutOfOrder = rounds.Sum(r => r.OutOfOrder),
            Clean = rounds.All(r => r.Clean),
        };
    }

    private static double Median(List<MeasurementResult> rounds, Func<MeasurementResult, double> value)
    {
        var values = rounds.Select(value).Where(v => !double.IsNaN(v)).Order().ToList();
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var middle = values.Count / 2;
        return values.Count % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
    }
}

/// <summary>Everything one run wrote: how the machine was set up, every measurement and the medians.</summary>
internal sealed record RunReport
{
    public required DateTime StartedAt { get; init; }
    public required string Command { get; init; }
    public required string Machine { get; init; }
    public required string Pinning { get; init; }
    public required string LoadAverageAtStart { get; init; }
    public string? LoadAverageAtEnd { get; set; }
    public List<MeasurementResult> Measurements { get; init; } = [];
    public List<Summary> Summaries { get; init; } = [];
    public List<SurgeResult> Surges { get; init; } = [];
    public Dictionary<string, double> MemorySlopeKilobytesPerReader { get; init; } = [];

    /// <summary>The same slope of the live managed heap (<c>--heap-dumps</c>).</summary>
    public Dictionary<string, double> HeapSlopeKilobytesPerReader { get; init; } = [];
}
