using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using LiveFeed.Benchmarks.Generator;
using LiveFeed.Contracts;

namespace LiveFeed.Benchmarks.Servers;

/// <summary>
/// The processes of one measurement: the server the readers connect to and the one items are posted
/// to (the same one, except in backplane mode, where readers are on instance B and posts go to A).
/// </summary>
internal sealed class Deployment : IAsyncDisposable
{
    /// <summary>The newsroom key the benchmark posts with (configured on LiveFeed as its SHA-256).</summary>
    public const string NewsroomKey = "livefeed-benchmark-key";

    /// <summary>
    /// The runtime settings LiveFeed is shipped with (its Dockerfile and launchSettings.json set the same): none now,
    /// the runtime's defaults, as the baselines (stock SignalR and Kestrel) have. Until issue 14 it was a 64 MB gen0
    /// budget (docs/benchmarks.md, "Runtime settings"). <c>--env</c> gives every server the same settings for a
    /// like-for-like comparison, <c>--runtime-defaults</c> takes these away from LiveFeed.
    /// </summary>
    public static IReadOnlyDictionary<string, string> LiveFeedRuntime { get; } = new Dictionary<string, string>();

    private readonly List<ServerProcess> _servers;

    private Deployment(string kind, List<ServerProcess> servers)
    {
        Kind = kind;
        _servers = servers;
    }

    public string Kind { get; }

    public ServerProcess Readers => _servers[^1];

    public ServerProcess Publisher => _servers[0];

    public IEnumerable<int> Pids => _servers.Select(server => server.Pid);

    /// <summary>What the deployment's servers' runtimes have done since they started (both instances in backplane mode).</summary>
    public Task<RuntimeCounterValues> RuntimeCountersAsync() => RuntimeCounters.ReadAsync(_servers);

    /// <summary>Where a reader connects for <paramref name="protocol"/>.</summary>
    public Uri ReaderUri(HubProtocolName protocol)
    {
        if (Kind == ServerKinds.LiveFeedStream)
        {
            // The server's address: the stream reader adds api/feeds/{feed}/stream.
            return new Uri($"http://127.0.0.1:{Readers.Address.Port}/");
        }

        var path = Kind == ServerKinds.WebSocket
            ? $"{Baselines.BareWebSocketServer.Path}?protocol={(protocol == HubProtocolName.Json ? "json" : "messagepack")}"
            : FeedHubProtocol.Path;
        return new Uri($"ws://127.0.0.1:{Readers.Address.Port}{path}");
    }

    public string? PublishKey => ServerKinds.IsLiveFeed(Kind) ? NewsroomKey : null;

    /// <summary>Starts <paramref name="kind"/> for <paramref name="mode"/>; <paramref name="redis"/> is set in the Redis modes.</summary>
    /// <paramref name="extraEnvironment"/> is set on its processes over the runtime's defaults.
    /// <paramref name="cpus"/> pins the server the readers are on; <paramref name="postingCpus"/> instance A in backplane mode.
    /// <paramref name="liftLimits"/>: LiveFeed without its per-address, reader and write limits (see <see cref="StartLiveFeedAsync"/>).
    public static async Task<Deployment> StartAsync(
        string kind, string mode, string? redis, string? cpus, string? postingCpus, string serverDll, IReadOnlyDictionary<string, string> extraEnvironment,
        bool liftLimits = true)
    {
        // The bare WebSocket broadcaster has no backplane: it runs as one instance in every mode.
        var instances = mode == "backplane" && kind != ServerKinds.WebSocket ? 2 : 1;
        var servers = new List<ServerProcess>();
        try
        {
            for (var instance = 0; instance < instances; instance++)
            {
                var posting = instances == 2 && instance == 0;
                servers.Add(await StartOneAsync(kind, kind == ServerKinds.WebSocket ? null : redis, posting ? postingCpus : cpus, serverDll, instance, extraEnvironment, liftLimits));
            }
        }
        catch
        {
            foreach (var server in servers)
            {
                await server.DisposeAsync();
            }

            throw;
        }

        return new Deployment(kind, servers);
    }

    /// <summary>
    /// One LiveFeed process on <paramref name="port"/>, with the benchmark's newsroom key, logging at Warning, on
    /// Redis when <paramref name="redis"/> is set. <paramref name="liftLimits"/> lifts the per-address connection
    /// limit, the reader cap and the write limit (docs/security.md), as an operator would for a load test whose
    /// readers come from a few loopback addresses; the surges keep them as shipped.
    /// </summary>
    public static Task<ServerProcess> StartLiveFeedAsync(
        string name, string? redis, string? cpus, int port, string serverDll, IReadOnlyDictionary<string, string> extraEnvironment, bool liftLimits)
    {
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["Newsroom__ApiKeys__bench"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(NewsroomKey))),
            // Per-request and per-publish log lines at Information are not what is measured here.
            ["Serilog__MinimumLevel__Default"] = "Warning",
        };
        if (liftLimits)
        {
            // Otherwise most readers from four addresses would be refused (429).
            environment["Limits__NewConnections__TokenLimit"] = "1000000";
            environment["Limits__NewConnections__TokensPerPeriod"] = "1000000";
            environment["Limits__Writes__TokenLimit"] = "1000000";
            environment["Limits__Writes__TokensPerPeriod"] = "1000000";
            environment["Limits__MaxReaderConnections"] = "1000000";
        }

        if (redis is not null)
        {
            environment["ConnectionStrings__Redis"] = redis;
        }

        foreach (var (key, value) in extraEnvironment)
        {
            environment[key] = value;
        }

        return ServerProcess.StartAsync(name, "dotnet", [serverDll, "--urls", $"http://127.0.0.1:{port}"], environment, cpus, port, "/health/ready");
    }

    public static string DefaultServerDll() =>
        typeof(Deployment).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(attribute => attribute.Key == "LiveFeedServerDll")?.Value
        ?? throw new InvalidOperationException("The build did not record where LiveFeed.Server.dll is: pass --server-dll.");

    public async ValueTask DisposeAsync()
    {
        foreach (var server in _servers)
        {
            await server.DisposeAsync();
        }
    }

    private static Task<ServerProcess> StartOneAsync(
        string kind, string? redis, string? cpus, string serverDll, int instance, IReadOnlyDictionary<string, string> extraEnvironment, bool liftLimits)
    {
        var port = ServerProcess.FreePort();
        var name = instance == 0 ? kind : $"{kind}-b";
        if (ServerKinds.IsLiveFeed(kind))
        {
            return StartLiveFeedAsync(name, redis, cpus, port, serverDll, extraEnvironment, liftLimits);
        }

        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["DOTNET_ENVIRONMENT"] = "Production",
        };
        var urls = $"http://127.0.0.1:{port}";
        List<string> arguments = [Path.Combine(AppContext.BaseDirectory, "LiveFeed.Benchmarks.dll"), $"serve-{kind}", "--urls", urls];
        if (redis is not null)
        {
            arguments.AddRange(["--redis", redis]);
        }

        foreach (var (key, value) in extraEnvironment)
        {
            environment[key] = value;
        }

        return ServerProcess.StartAsync(name, "dotnet", arguments, environment, cpus, port, "/health/live");
    }
}
