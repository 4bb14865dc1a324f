using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace LiveFeed.Tests.Infrastructure;

/// <summary>
/// A real <c>redis-server</c> on a free port of 127.0.0.1, with its data in a temporary folder. Tests
/// can stop it (a kill, like a crash), start it again on the same port and data, or wipe it. Never
/// skipped: without redis-server the test fails and says how to install it.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);

    private readonly string _directory = Directory.CreateTempSubdirectory("livefeed-redis-").FullName;
    private readonly bool _appendOnly;
    private readonly ProcessOutput _output = new();
    private Process? _process;

    private RedisServer(bool appendOnly)
    {
        _appendOnly = appendOnly;
        Port = FreePort.Next();
    }

    public int Port { get; }

    /// <summary>The StackExchange.Redis configuration string of this server.</summary>
    public string ConnectionString => $"127.0.0.1:{Port}";

    /// <summary>
    /// Starts a server. With <paramref name="appendOnly"/>, every write is fsynced to the append-only
    /// file before Redis answers, so a kill loses nothing acknowledged.
    /// </summary>
    public static async Task<RedisServer> StartNewAsync(bool appendOnly = false)
    {
        var server = new RedisServer(appendOnly);
        await server.StartAsync();
        return server;
    }

    /// <summary>Starts (again) on the same port and data folder; returns once Redis answers PING.</summary>
    public async Task StartAsync()
    {
        if (_process is { HasExited: false })
        {
            throw new InvalidOperationException("redis-server is already running.");
        }

        var start = new ProcessStartInfo("redis-server")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _directory,
        };
        foreach (var argument in new[]
                 {
                     "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1",
                     "--dir", _directory, "--save", "", "--daemonize", "no", "--protected-mode", "yes",
                     "--appendonly", _appendOnly ? "yes" : "no", "--appendfsync", "always",
                 })
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            _process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start.");
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            throw new InvalidOperationException(
                "redis-server is not installed; the Redis tests need it. Run ./test.sh (it installs it) or `apt-get install -y redis-server`.",
                exception);
        }

        _output.Capture(_process);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow + StartTimeout;
        while (!await AnswersPingAsync())
        {
            if (_process.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"redis-server on port {Port} did not come up. Its output:\n{_output}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Kills the server, as a crash or a pulled cable would stop it.</summary>
    public async Task StopAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
    }

    /// <summary>Wipes every key (FLUSHALL), as an operator or a data loss would.</summary>
    public async Task FlushAllAsync()
    {
        var answer = await SendAsync("FLUSHALL\r\n");
        if (!answer.StartsWith("+OK", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"FLUSHALL answered {answer}");
        }
    }

    /// <summary>One RESP command (inline form) and the first line of its answer.</summary>
    public async Task<string> SendAsync(string inlineCommand)
    {
        using var client = new TcpClient();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await client.ConnectAsync(IPAddress.Loopback, Port, timeout.Token);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(inlineCommand), timeout.Token);
        var buffer = new byte[4096];
        var read = await stream.ReadAsync(buffer, timeout.Token);
        return Encoding.ASCII.GetString(buffer, 0, read).Split("\r\n")[0];
    }

    /// <summary>How many times Redis has run each command since it started (<c>INFO commandstats</c>), by command name.</summary>
    public async Task<RedisCommandCalls> CommandCallsAsync()
    {
        using var client = new TcpClient();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await client.ConnectAsync(IPAddress.Loopback, Port, timeout.Token);
        var stream = client.GetStream();
        await stream.WriteAsync("INFO commandstats\r\n"u8.ToArray(), timeout.Token);

        // A bulk string: "$<length>\r\n<text>\r\n".
        var answer = new MemoryStream();
        var buffer = new byte[16 * 1024];
        int? length = null;
        int header = 0;
        while (length is null || answer.Length < header + length + 2)
        {
            var read = await stream.ReadAsync(buffer, timeout.Token);
            if (read == 0)
            {
                throw new IOException("Redis closed the connection during INFO.");
            }

            answer.Write(buffer, 0, read);
            var text = Encoding.ASCII.GetString(answer.GetBuffer(), 0, (int)answer.Length);
            var end = text.IndexOf("\r\n", StringComparison.Ordinal);
            if (length is null && end > 0)
            {
                length = int.Parse(text.AsSpan(1, end - 1), System.Globalization.CultureInfo.InvariantCulture);
                header = end + 2;
            }
        }

        return RedisCommandCalls.Parse(Encoding.ASCII.GetString(answer.GetBuffer(), header, length!.Value));
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
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

    private async Task<bool> AnswersPingAsync()
    {
        try
        {
            return (await SendAsync("PING\r\n")).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (Exception exception) when (exception is SocketException or IOException or OperationCanceledException)
        {
            return false;
        }
    }
}
