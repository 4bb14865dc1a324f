namespace LiveFeed.Benchmarks.Reporting;

/// <summary>What one surge (one server, one size, one round) saw.</summary>
internal sealed record SurgeResult
{
    /// <summary>"arrival" or "storm".</summary>
    public required string Surge { get; init; }

    public required string Server { get; init; }

    /// <summary>Arrival: the deployment (memory, redis). Storm: where the readers came back (b, restart).</summary>
    public required string Setting { get; init; }

    public required int Readers { get; init; }

    /// <summary>Loopback source addresses the readers came from.</summary>
    public required int Sources { get; init; }

    public required int Round { get; init; }

    public required string Protocol { get; init; }

    /// <summary>Readers subscribed (arrival) or resumed (storm) before the deadline.</summary>
    public int Done { get; init; }

    public int LeftOut { get; init; }

    /// <summary>From the first attempt (arrival) or the kill (storm) to the last reader subscribed or resumed.</summary>
    public double Seconds { get; init; } = double.NaN;

    /// <summary>CPU of the instance the readers are on, over <see cref="Seconds"/> (a restarted A: since it started).</summary>
    public double ServerCpuSeconds { get; init; } = double.NaN;

    public double ServerCores { get; init; } = double.NaN;

    /// <summary>Storm with A restarted: instance B's CPU over the same time (it takes the posts).</summary>
    public double? OtherInstanceCpuSeconds { get; init; }

    public double? RedisCpuSeconds { get; init; }

    public double GeneratorCores { get; init; } = double.NaN;

    /// <summary>Storm with A restarted: from the kill until A answered its health check again.</summary>
    public double? RestartReadySeconds { get; init; }

    public int Attempts { get; init; }

    /// <summary>Attempts after a reader's first (each reader has one first attempt).</summary>
    public int Retries { get; init; }

    /// <summary>Failed attempts by outcome: "429", "503" (HTTP statuses), "timeout", "refused", "closed", "hub-error".</summary>
    public IReadOnlyDictionary<string, int> Failures { get; init; } = new Dictionary<string, int>();

    /// <summary>The first failure's message of each outcome.</summary>
    public IReadOnlyDictionary<string, string> FailureExamples { get; init; } = new Dictionary<string, string>();

    public int FailedAttempts => Failures.Values.Sum();

    /// <summary>
    /// Connections the kernel dropped meanwhile because a listen queue was full (whole machine: TcpExt ListenOverflows).
    /// Such a client's SYN is retried after 1 s, then 3 s, ...: the steps in a timeline.
    /// </summary>
    public long ListenOverflows { get; init; }

    /// <summary>Redis calls in the window, where there is a Redis (arrival in redis mode, storm).</summary>
    public RedisDuringSurge? Redis { get; init; }

    /// <summary>Items stored while the storm ran (and after, until the posting stopped); posts that failed.</summary>
    public int PostsStored { get; init; }

    public int PostFailures { get; init; }

    /// <summary>The feed's last sequence at the end, which every reader must have received.</summary>
    public long Head { get; init; }

    /// <summary>Arrival: readers that received the event posted once all had subscribed.</summary>
    public int ReceivedNext { get; init; }

    public long Lost { get; init; }

    public long Duplicates { get; init; }

    public long OutOfOrder { get; init; }

    /// <summary>Events that came live as well as in Subscribe's answer: allowed by the contract, dropped by the reader.</summary>
    public long Overlaps { get; init; }

    /// <summary>
    /// Subscribes with a position answered with a reset (the reader had to start over): must be 0 from LiveFeed. (The bare
    /// hub cannot resume: a reader whose first attempt timed out just as it was answered asks it again with a position.)
    /// </summary>
    public long Resets { get; init; }

    /// <summary>Readers done by then: (seconds, readers), every 0.5% of the readers.</summary>
    public IReadOnlyList<double[]> Timeline { get; init; } = [];

    public string? Error { get; init; }

    public bool Clean => Error is null && LeftOut == 0 && Lost == 0 && Duplicates == 0 && OutOfOrder == 0
        && (Resets == 0 || Server != ServerKinds.LiveFeed)
        && (Surge != SurgeKinds.Arrival || ReceivedNext == Done);
}

/// <summary>
/// Redis calls during a surge, by kind (<see cref="Servers.RedisCommandStats.Kind"/>). In a storm the posts' own calls
/// (measured per post before the kill, with the readers idle) are taken out of the readers' share.
/// </summary>
internal sealed record RedisDuringSurge
{
    public double Data { get; init; }

    public double PubSub { get; init; }

    public double Other { get; init; }

    /// <summary>Posts stored in the window, and the calls one post made before the kill (by command).</summary>
    public int Posts { get; init; }

    public IReadOnlyDictionary<string, double> PerPost { get; init; } = new Dictionary<string, double>();

    /// <summary>The readers' share (all calls less the posts'), by command.</summary>
    public IReadOnlyDictionary<string, double> Readers { get; init; } = new Dictionary<string, double>();

    public double ReadersData { get; init; }

    public double ReadersPubSub { get; init; }

    /// <summary>The readers' data calls per reader done (subscribed or resumed).</summary>
    public double DataPerReader { get; init; }

    public double PubSubPerReader { get; init; }
}
