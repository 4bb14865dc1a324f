using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace LiveFeed.Tests.Infrastructure;

/// <summary>
/// nginx from apt in front of LiveFeed instances, with the very site configuration docker-compose.yml
/// gives the nginx container (deploy/nginx/templates/livefeed.conf.template), rendered with this test's
/// addresses and ports exactly as the image's envsubst would. Only the outer nginx.conf (pid, logs,
/// temporary folders) is the test's own. Never skipped: without nginx the test fails saying how to install it.
/// </summary>
public sealed partial class NginxServer : IAsyncDisposable
{
    private const string Template = "deploy/nginx/templates/livefeed.conf.template";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);

    private readonly string _directory = Directory.CreateTempSubdirectory("livefeed-nginx-").FullName;
    private readonly ProcessOutput _output = new();
    private Process? _process;

    private NginxServer(int port)
    {
        Port = port;
        BaseAddress = new Uri($"http://127.0.0.1:{port}");
    }

    public int Port { get; }

    /// <summary>The load balancer's public address.</summary>
    public Uri BaseAddress { get; }

    /// <summary>Starts nginx on a free port in front of <paramref name="upstreams"/>; returns once it accepts connections.</summary>
    public static async Task<NginxServer> StartInFrontOfAsync(Uri first, Uri second)
    {
        var server = new NginxServer(FreePort.Next());
        await server.StartAsync(new Dictionary<string, string>
        {
            ["LIVEFEED_LISTEN"] = $"127.0.0.1:{server.Port}",
            ["LIVEFEED_UPSTREAM_1"] = $"{first.Host}:{first.Port}",
            ["LIVEFEED_UPSTREAM_2"] = $"{second.Host}:{second.Port}",
        });
        return server;
    }

    /// <summary>The template with every placeholder replaced; fails on one it has no value for.</summary>
    public static string Render(string template, IReadOnlyDictionary<string, string> values) =>
        Placeholder().Replace(template, match => values.TryGetValue(match.Groups[1].Value, out var value)
            ? value
            : throw new InvalidOperationException($"{Template} uses ${{{match.Groups[1].Value}}}, which the test does not set."));

    private async Task StartAsync(IReadOnlyDictionary<string, string> values)
    {
        // nginx's workers run as an unprivileged user when the master is root: let them into the folder.
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(_directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                                             | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }
        var site = Render(await File.ReadAllTextAsync(Repository.PathOf(Template)), values);
        await File.WriteAllTextAsync(Path.Combine(_directory, "livefeed.conf"), site);
        await File.WriteAllTextAsync(Path.Combine(_directory, "nginx.conf"), $$"""
            daemon off;
            worker_processes 1;
            pid {{_directory}}/nginx.pid;
            error_log {{_directory}}/error.log warn;
            worker_rlimit_nofile 16384;
            events { worker_connections 8192; }
            http {
                access_log off;
                client_body_temp_path {{_directory}}/client_body;
                proxy_temp_path {{_directory}}/proxy;
                fastcgi_temp_path {{_directory}}/fastcgi;
                uwsgi_temp_path {{_directory}}/uwsgi;
                scgi_temp_path {{_directory}}/scgi;
                include {{_directory}}/livefeed.conf;
            }
            """);

        var start = new ProcessStartInfo(File.Exists("/usr/sbin/nginx") ? "/usr/sbin/nginx" : "nginx")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _directory,
        };
        foreach (var argument in new[] { "-p", _directory, "-c", Path.Combine(_directory, "nginx.conf"), "-e", Path.Combine(_directory, "error.log") })
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            _process = Process.Start(start) ?? throw new InvalidOperationException("nginx did not start.");
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            throw new InvalidOperationException("nginx is not installed; the topology test needs it. Run ./test.sh (it installs it) or `apt-get install -y nginx`.", exception);
        }

        _output.Capture(_process);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow + StartTimeout;
        while (!await AcceptsAsync())
        {
            if (_process.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"nginx on port {Port} did not come up. Its output:\n{_output}\nerror.log:\n{ErrorLog()}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>nginx's error log so far, for failure messages.</summary>
    public string ErrorLog()
    {
        var path = Path.Combine(_directory, "error.log");
        return File.Exists(path) ? File.ReadAllText(path) : "(none)";
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        _process?.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temporary folder is harmless.
        }
    }

    private async Task<bool> AcceptsAsync()
    {
        try
        {
            using var client = new TcpClient();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await client.ConnectAsync(IPAddress.Loopback, Port, timeout.Token);
            return true;
        }
        catch (Exception exception) when (exception is SocketException or OperationCanceledException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"\$\{([A-Za-z0-9_]+)\}")]
    private static partial Regex Placeholder();
}
