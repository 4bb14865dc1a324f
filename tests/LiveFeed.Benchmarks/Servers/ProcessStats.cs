using System.Globalization;

namespace LiveFeed.Benchmarks.Servers;

/// <summary>Resident memory and CPU time of a process, read from Linux's /proc.</summary>
internal static class ProcessStats
{
    // USER_HZ: the unit of utime and stime in /proc/<pid>/stat. 100 on every Linux this runs on.
    private const double TicksPerSecond = 100;

    /// <summary>VmRSS of <paramref name="pid"/> in bytes.</summary>
    public static long ResidentBytes(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                var kilobytes = line["VmRSS:".Length..].Trim().Split(' ')[0];
                return long.Parse(kilobytes, CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new InvalidOperationException($"no VmRSS in /proc/{pid}/status");
    }

    /// <summary>User plus system CPU time <paramref name="pid"/> has used so far.</summary>
    public static TimeSpan CpuTime(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        // Fields after the command name (which may hold spaces) start at field 3; utime is 14, stime 15.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / TicksPerSecond);
    }

    /// <summary>
    /// Connections the kernel dropped because a listen queue was full (TcpExt ListenOverflows in /proc/net/netstat),
    /// counted for the whole network namespace since boot; 0 where it cannot be read.
    /// </summary>
    public static long ListenOverflows()
    {
        if (!File.Exists("/proc/net/netstat"))
        {
            return 0;
        }

        var lines = File.ReadAllLines("/proc/net/netstat").Where(line => line.StartsWith("TcpExt:", StringComparison.Ordinal)).ToList();
        if (lines.Count < 2)
        {
            return 0;
        }

        var names = lines[0].Split(' ');
        var values = lines[1].Split(' ');
        var at = Array.IndexOf(names, "ListenOverflows");
        return at > 0 && at < values.Length ? long.Parse(values[at], CultureInfo.InvariantCulture) : 0;
    }

    public static TimeSpan CpuTime(IEnumerable<int> pids) => pids.Aggregate(TimeSpan.Zero, (sum, pid) => sum + CpuTime(pid));
}
