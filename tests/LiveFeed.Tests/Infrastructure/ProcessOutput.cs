using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace LiveFeed.Tests.Infrastructure;

/// <summary>What a child process (redis-server, nginx, a LiveFeed server) writes, kept for error messages.</summary>
public sealed class ProcessOutput
{
    private readonly StringBuilder _text = new();
    private readonly List<string> _lines = [];

    /// <summary>Every line so far.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_text)
            {
                return [.. _lines];
            }
        }
    }

    /// <summary>Keeps every line the process writes to stdout and stderr.</summary>
    public void Capture(Process process)
    {
        ArgumentNullException.ThrowIfNull(process);
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
    }

    public override string ToString()
    {
        lock (_text)
        {
            return _text.ToString();
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_text)
        {
            _text.AppendLine(line);
            _lines.Add(line);
        }
    }
}

/// <summary>Free loopback ports for the processes tests start.</summary>
public static class FreePort
{
    /// <summary>A port no one listens on right now (the OS picks it).</summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
