using System.Globalization;
using LiveFeed.Benchmarks.Generator;

namespace LiveFeed.Benchmarks;

/// <summary>One load: <see cref="Readers"/> readers while items are published at <see cref="Rate"/> a second.</summary>
internal sealed record Load(int Readers, double Rate)
{
    public override string ToString() => $"{Readers}x{Rate.ToString(CultureInfo.InvariantCulture)}";

    public string Label => $"{Readers:N0} x {Rate.ToString(CultureInfo.InvariantCulture)}/s";
}

/// <summary>The benchmark's command line (docs/benchmarks.md lists every option).</summary>
internal sealed record BenchmarkOptions
{
    public const string Usage = """
        LiveFeed.Benchmarks [options]             run the benchmark
        LiveFeed.Benchmarks serve-signalr  --urls http://127.0.0.1:PORT [--redis HOST:PORT]   the bare SignalR baseline
        LiveFeed.Benchmarks serve-websocket --urls http://127.0.0.1:PORT                      the bare WebSocket baseline
        LiveFeed.Benchmarks plot RESULTS.json PATH-PREFIX                                     draw the plots again from a results file
        LiveFeed.Benchmarks pageload [--server-dll PATH] [--items 20] [--runs 7] [--label NAME] [--out FILE.json]
                                         the reader page's first load in Chromium: bytes and time to the first item painted

        --modes memory,redis,backplane   deployments (default memory)
        --servers livefeed,signalr,websocket   what to measure, alternating within each round (default all three);
                                         livefeed-sse: LiveFeed with its readers on the event stream (GET /api/feeds/{feed}/stream)
        --loads 1000x1,5000x10           readers x items per second (default 1000x1)
        --duration 10                    seconds of publishing per measurement (default 10)
        --warmup 2                       seconds of publishing before it, not measured (default 2, at least 3 items)
        --rounds 2                       rounds of every load (medians are reported; default 2)
        --protocol json|messagepack      the readers' hub protocol (default json)
        --open-rate 1000                 readers opened per second (default 1000)
        --sources 4                      loopback source addresses 127.0.0.2.. (default 4)
        --no-pin                         do not pin the servers and the generator to separate cores
        --out results.json               the JSON results file (default benchmark-results.json)
        --plot docs/benchmarks/latency   write <path>-<mode>.png: latency percentiles per load and server
        --server-dll PATH                LiveFeed.Server.dll (default: the build beside this one)
        --env KEY=VALUE                  an environment variable for every server process, baselines too
                                         (repeatable), e.g. --env DOTNET_GCgen0size=0x4000000
        --runtime-defaults               LiveFeed too runs with the runtime's defaults, not its shipped settings
        --heap-dumps DIR                 also the live managed heap at idle, by dotnet-gcdump (on the PATH), dumps kept in DIR;
                                         it makes the server collect in full: for memory runs, not latency

        Surges (instead of the latency measurement; docs/benchmarks.md, "Surge"):
        --surge arrival|storm            arrival: N new readers at once, LiveFeed and bare SignalR (--servers, --modes memory|redis)
                                         storm: two LiveFeed instances on one redis-server, N readers on A, A killed (SIGKILL)
        --readers 1000,10000             readers in the surge (default 1000)
        --storm-target b,restart         storm: where the readers come back, instance B or A restarted on its port (default b)
        --rate 1                         storm: items a second posted to B throughout (default 1)
        --backlog 50                     items in the feed before the readers come (default 50: a full reset page)
        --concurrent 0                   arrival: attempts in flight at most (default 0: every reader at once)
                                         --sources defaults to 254 (127.0.0.2-255) in a surge, so that the per-address
                                         connection limit is not what is measured; LiveFeed keeps its shipped limits
        """;

    /// <summary>The most loopback source addresses: 127.0.0.2 to 127.0.0.255.</summary>
    public const int MaxSourceAddresses = 254;

    public IReadOnlyList<string> Modes { get; init; } = ["memory"];

    public IReadOnlyList<string> Servers { get; init; } = [ServerKinds.LiveFeed, ServerKinds.SignalR, ServerKinds.WebSocket];

    public IReadOnlyList<Load> Loads { get; init; } = [new(1000, 1)];

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(2);

    public int Rounds { get; init; } = 2;

    public HubProtocolName Protocol { get; init; } = HubProtocolName.Json;

    public double OpenRate { get; init; } = 1000;

    /// <summary>Loopback source addresses (<c>--sources</c>): 4 unless set, 254 in a surge.</summary>
    public int? Sources { get; init; }

    public int SourceAddresses => Sources ?? (Surge is null ? 4 : MaxSourceAddresses);

    /// <summary>The surge to run (<c>--surge</c>) instead of the latency measurement, or null.</summary>
    public string? Surge { get; init; }

    public IReadOnlyList<int> Readers { get; init; } = [1000];

    public IReadOnlyList<string> StormTargets { get; init; } = [StormTarget.B];

    /// <summary>Items a second posted throughout a storm.</summary>
    public double StormRate { get; init; } = 1;

    /// <summary>Arrival: attempts in flight at most; 0 for no bound (every reader starts at once).</summary>
    public int Concurrent { get; init; }

    /// <summary>Items posted before a surge's readers come.</summary>
    public int Backlog { get; init; } = 50;

    public bool Pin { get; init; } = true;

    public string Output { get; init; } = "benchmark-results.json";

    public string? Plot { get; init; }

    public string? ServerDll { get; init; }

    /// <summary>Whether LiveFeed runs with the runtime settings it ships with (<c>--runtime-defaults</c> turns them off).</summary>
    public bool LiveFeedRuntime { get; init; } = true;

    /// <summary>Environment variables set on every server process (<c>--env</c>), over LiveFeed's own.</summary>
    public IReadOnlyDictionary<string, string> ServerEnvironment { get; init; } = new Dictionary<string, string>();

    /// <summary>Where heap dumps go (<c>--heap-dumps</c>); null: the live heap is not measured.</summary>
    public string? HeapDumps { get; init; }

    public static BenchmarkOptions Parse(IReadOnlyList<string> args)
    {
        var options = new BenchmarkOptions();
        for (var i = 0; i < args.Count; i++)
        {
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.\n{Usage}");
            static List<string> List(string text) => [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

            options = args[i] switch
            {
                "--modes" => options with { Modes = List(Value()).Select(Known(["memory", "redis", "backplane"])).ToList() },
                "--servers" => options with { Servers = List(Value()).Select(Known(ServerKinds.Known)).ToList() },
                "--loads" => options with { Loads = List(Value()).Select(ParseLoad).ToList() },
                "--duration" => options with { Duration = TimeSpan.FromSeconds(Number(Value())) },
                "--warmup" => options with { Warmup = TimeSpan.FromSeconds(Number(Value())) },
                "--rounds" => options with { Rounds = (int)Number(Value()) },
                "--protocol" => options with { Protocol = Value() == "messagepack" ? HubProtocolName.MessagePack : HubProtocolName.Json },
                "--open-rate" => options with { OpenRate = Number(Value()) },
                "--sources" => options with { Sources = (int)Number(Value()) },
                "--surge" => options with { Surge = Known([SurgeKinds.Arrival, SurgeKinds.Storm])(Value()) },
                "--readers" => options with { Readers = List(Value()).Select(text => (int)Number(text)).ToList() },
                "--storm-target" => options with { StormTargets = List(Value()).Select(Known([StormTarget.B, StormTarget.Restart])).ToList() },
                "--rate" => options with { StormRate = Number(Value()) },
                "--backlog" => options with { Backlog = (int)NumberOrZero(Value()) },
                "--concurrent" => options with { Concurrent = (int)NumberOrZero(Value()) },
                "--no-pin" => options with { Pin = false },
                "--out" => options with { Output = Value() },
                "--plot" => options with { Plot = Value() },
                "--server-dll" => options with { ServerDll = Value() },
                "--runtime-defaults" => options with { LiveFeedRuntime = false },
                "--heap-dumps" => options with { HeapDumps = Value() },
                "--env" => options with { ServerEnvironment = WithVariable(options.ServerEnvironment, Value()) },
                _ => throw new ArgumentException($"Unknown option {args[i]}.\n{Usage}"),
            };
        }

        if (options.SourceAddresses > MaxSourceAddresses)
        {
            throw new ArgumentException($"--sources is at most {MaxSourceAddresses} (127.0.0.2 to 127.0.0.255).");
        }

        if (options.Surge is not null && options.Servers.Contains(ServerKinds.LiveFeedStream))
        {
            throw new ArgumentException("A surge measures hub readers: livefeed-sse is for the latency measurement.");
        }

        if (options.Surge is not null && options.Servers.Contains(ServerKinds.WebSocket))
        {
            // The bare broadcaster has no Subscribe: its readers are not comparable in a surge.
            options = options.Servers.SequenceEqual(ServerKinds.All)
                ? options with { Servers = [ServerKinds.LiveFeed, ServerKinds.SignalR] }
                : throw new ArgumentException("A surge measures livefeed and signalr: the bare WebSocket broadcaster has no Subscribe.");
        }

        return options;
    }

    private static Func<string, string> Known(IReadOnlyList<string> known) => value =>
        known.Contains(value) ? value : throw new ArgumentException($"'{value}' is not one of {string.Join(", ", known)}.");

    private static double Number(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new ArgumentException($"'{text}' is not a positive number.");

    private static double NumberOrZero(string text) => text == "0" ? 0 : Number(text);

    private static Dictionary<string, string> WithVariable(IReadOnlyDictionary<string, string> variables, string text)
    {
        var equals = text.IndexOf('=', StringComparison.Ordinal);
        return equals > 0
            ? new Dictionary<string, string>(variables) { [text[..equals]] = text[(equals + 1)..] }
            : throw new ArgumentException($"--env takes KEY=VALUE: '{text}'.");
    }

    private static Load ParseLoad(string text)
    {
        var parts = text.Split('x');
        return parts.Length == 2 ? new Load((int)Number(parts[0]), Number(parts[1])) : throw new ArgumentException($"A load is READERSxRATE, e.g. 5000x10: '{text}'.");
    }
}

/// <summary>The servers the benchmark measures.</summary>
internal static class ServerKinds
{
    public const string LiveFeed = "livefeed";
    public const string SignalR = "signalr";
    public const string WebSocket = "websocket";

    /// <summary>LiveFeed again, its readers on the Server-Sent Events stream instead of the hub (<see cref="Generator.EventStreamReader"/>).</summary>
    public const string LiveFeedStream = "livefeed-sse";

    /// <summary>The default: LiveFeed and both baselines.</summary>
    public static IReadOnlyList<string> All { get; } = [LiveFeed, SignalR, WebSocket];

    /// <summary>What <c>--servers</c> takes.</summary>
    public static IReadOnlyList<string> Known { get; } = [LiveFeed, SignalR, WebSocket, LiveFeedStream];

    /// <summary>Whether <paramref name="server"/> is LiveFeed's own server (its readers on the hub or on the stream).</summary>
    public static bool IsLiveFeed(string server) => server is LiveFeed or LiveFeedStream;
}

/// <summary>The surges the benchmark can run (<c>--surge</c>).</summary>
internal static class SurgeKinds
{
    public const string Arrival = "arrival";
    public const string Storm = "storm";
}

/// <summary>Where a storm's readers come back after instance A is killed (<c>--storm-target</c>).</summary>
internal static class StormTarget
{
    /// <summary>To instance B, which was up all along (as behind a load balancer).</summary>
    public const string B = "b";

    /// <summary>To A, started again on the same port at once (as a supervisor restarts it).</summary>
    public const string Restart = "restart";
}
