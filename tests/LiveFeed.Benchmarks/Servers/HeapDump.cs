using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace LiveFeed.Benchmarks.Servers;

/// <summary>
/// The live managed heap of a .NET server, as <c>dotnet-gcdump</c> (on the PATH) reports it: the tool has the runtime
/// make a full, blocking collection and walks what is left, so garbage and the GC's free space are not counted. Each
/// dump and its report (every type, by count and size) are kept for a closer look.
/// </summary>
internal static partial class HeapDump
{
    /// <summary>Dumps <paramref name="pid"/>'s heap to <paramref name="directory"/>/<paramref name="name"/>.gcdump (and .txt) and answers its bytes.</summary>
    public static async Task<long> LiveBytesAsync(int pid, string directory, string name)
    {
        Directory.CreateDirectory(directory);
        var dump = Path.Combine(directory, name + ".gcdump");
        await RunAsync(["collect", "-p", pid.ToString(CultureInfo.InvariantCulture), "-o", dump]);
        var report = await RunAsync(["report", dump]);
        await File.WriteAllTextAsync(Path.ChangeExtension(dump, ".txt"), report);
        var total = HeapBytes().Match(report);
        return total.Success
            ? long.Parse(total.Groups[1].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture)
            : throw new InvalidOperationException($"no 'GC Heap bytes' in dotnet-gcdump's report of {dump}");
    }

    private static async Task<string> RunAsync(IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo("dotnet-gcdump") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet-gcdump did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return process.ExitCode == 0
            ? await output
            : throw new InvalidOperationException($"dotnet-gcdump {string.Join(' ', start.ArgumentList)} exited with {process.ExitCode}: {await errors}{await output}");
    }

    [GeneratedRegex(@"^\s*([\d,]+)\s+GC Heap bytes", RegexOptions.Multiline)]
    private static partial Regex HeapBytes();
}
