using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;

namespace LiveFeed.Tests.Infrastructure;

/// <summary>
/// LiveFeed as operators run it: the built server as its own process (<c>dotnet LiveFeed.Server.dll</c>),
/// listening on a free loopback port, its console output kept line by line.
/// Outside Development the output is compact JSON, one event a line.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ServerProcess(Process process)
    {
        _process = process;
    }

    /// <summary>Where the process listens.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Every line written so far.</summary>
    public IReadOnlyCollection<string> Output => _output;

    /// <summary>The path of the server's build output that matches this test build's configuration.</summary>
    public static string ServerAssembly
    {
        get
        {
            var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var framework = testBin.Name;
            var configuration = testBin.Parent!.Name;
            var root = testBin.Parent!.Parent!.Parent!.Parent!.Parent!.FullName;
            return Path.Combine(root, "src", "LiveFeed.Server", "bin", configuration, framework, "LiveFeed.Server.dll");
        }
    }

    /// <summary>Starts the server with the given settings (as environment variables) and waits until it listens.</summary>
    public static async Task<ServerProcess> StartAsync(IDictionary<string, string?> settings, string environment = "Production", int port = 0)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { ServerAssembly, "--urls", $"http://127.0.0.1:{port}" },
            WorkingDirectory = Path.GetDirectoryName(ServerAssembly)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = environment;
        start.Environment["DOTNET_ENVIRONMENT"] = environment;
        foreach (var (key, value) in settings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var server = new ServerProcess(process);
        process.OutputDataReceived += (_, line) => server.Keep(line.Data);
        process.ErrorDataReceived += (_, line) => server.Keep(line.Data);
        process.Exited += (_, _) => server._listening.TrySetException(
            new InvalidOperationException("The server exited before listening:\n" + string.Join('\n', server._output)));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        try
        {
            server.BaseAddress = await server._listening.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    /// <summary>Ends the process at once, as a crash would (no graceful shutdown).</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(line);
        if (line.Contains("Now listening on", StringComparison.Ordinal) && TryReadAddress(line) is { } address)
        {
            _listening.TrySetResult(address);
        }
    }

    private static Uri? TryReadAddress(string line)
    {
        if (line.StartsWith('{'))
        {
            using var json = JsonDocument.Parse(line);
            return json.RootElement.TryGetProperty("address", out var address) ? new Uri(address.GetString()!) : null;
        }

        var index = line.IndexOf("http://", StringComparison.Ordinal);
        return index < 0 ? null : new Uri(line[index..].Trim());
    }
}
