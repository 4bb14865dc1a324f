using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using LiveFeed.Server.Newsroom;

namespace LiveFeed.Tests.Infrastructure;

/// <summary>
/// A LiveFeed server as operators run it: <c>dotnet LiveFeed.Server.dll</c> in its own process on a
/// fixed port, configured through environment variables. It can be killed (no graceful stop) and
/// started again on the same port.
/// </summary>
public sealed class LiveFeedProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly Dictionary<string, string?> _environment;
    private readonly IReadOnlyList<string> _arguments;
    private readonly ProcessOutput _output = new();
    private Process? _process;

    /// <param name="settings">Configuration, passed as environment variables.</param>
    /// <param name="arguments">More command line arguments, e.g. <c>--contentRoot</c> for an appsettings.json of the test's own.</param>
    public LiveFeedProcess(IDictionary<string, string?> settings, IReadOnlyList<string>? arguments = null)
    {
        _arguments = arguments ?? [];
        BaseAddress = new Uri($"http://127.0.0.1:{FreePort.Next()}");
        _environment = new Dictionary<string, string?>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            [$"Newsroom__ApiKeys__{LiveFeedServer.KeyName}"] = NewsroomKeys.Hash(LiveFeedServer.NewsroomKey),
            ["Serilog__MinimumLevel__Default"] = "Warning",
        };
        foreach (var (key, value) in TestLimits.Generous)
        {
            _environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        foreach (var (key, value) in settings)
        {
            _environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }
    }

    public Uri BaseAddress { get; }

    /// <summary>Every line the server wrote (compact JSON: it runs in Production).</summary>
    public IReadOnlyList<string> OutputLines => _output.Lines;

    /// <summary>Starts the process; returns once <c>/health/ready</c> answers 200.</summary>
    public async Task StartAsync()
    {
        Launch();
        try
        {
            await Eventually.ReadyAnswersAsync(BaseAddress, HttpStatusCode.OK, StartTimeout);
        }
        catch (TimeoutException exception)
        {
            throw new TimeoutException($"{exception.Message} Server output:\n{_output}", exception);
        }
    }

    /// <summary>
    /// Starts a process that is expected to stop by itself (a bad setting, say); answers its exit code once it has
    /// exited and every line it wrote is in <see cref="OutputLines"/>. Fails if it is still running after the start timeout.
    /// </summary>
    public async Task<int> RunToExitAsync()
    {
        Launch();
        try
        {
            return await WaitForExitAsync(StartTimeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"The server did not stop by itself within {StartTimeout.TotalSeconds} s. Server output:\n{_output}");
        }
    }

    private void Launch()
    {
        var directory = AppContext.BaseDirectory;
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(Path.Combine(directory, "LiveFeed.Server.dll"));
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(BaseAddress.ToString().TrimEnd('/'));
        foreach (var argument in _arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in _environment)
        {
            start.Environment[key] = value;
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        _output.Capture(_process);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Kills the process at once, as a crash would: no graceful shutdown, connections cut.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    /// <summary>
    /// Sends SIGTERM, as an orchestrator stopping the instance does (docker stop, a Kubernetes rollout), and returns
    /// at once: <see cref="WaitForExitAsync"/> waits for the graceful shutdown to end.
    /// </summary>
    public async Task TerminateAsync()
    {
        var process = _process ?? throw new InvalidOperationException("Not started.");
        using var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])
            ?? throw new InvalidOperationException("kill did not start.");
        await kill.WaitForExitAsync();
    }

    /// <summary>Waits for the process to exit; answers its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        var process = _process ?? throw new InvalidOperationException("Not started.");
        await process.WaitForExitAsync().WaitAsync(timeout);
        return process.ExitCode;
    }

    /// <summary>Hub connections open on this instance, as its metrics count them.</summary>
    public async Task<int> ReadersConnectedAsync() =>
        (int)(await PrometheusScrape.TakeAsync(BaseAddress)).All("livefeed_readers_connected").Sum(sample => sample.Value);

    public HttpClient CreateAnonymousClient() => new() { BaseAddress = BaseAddress };

    public HttpClient CreateNewsroomClient()
    {
        var client = CreateAnonymousClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", LiveFeedServer.NewsroomKey);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process?.Dispose();
    }
}
