using System.Globalization;
using LiveFeed.Tests.Infrastructure;

namespace LiveFeed.Tests.Limits;

/// <summary>
/// <c>Limits:ListenBacklog</c>: the kernel's queue of connections the server has not accepted yet, as the kernel reports
/// it for the server's listening socket (<c>ss</c>'s Send-Q of a listener is its backlog). A crowd that finds the queue
/// full is dropped and resends its SYNs seconds later, so the server ships with the kernel's own cap, not Kestrel's 512.
/// </summary>
public sealed class ListenBacklogTests
{
    [Fact]
    public async Task TheServerListensWithABacklogOf4096OrTheKernelsCapIfLower()
    {
        var somaxconn = int.Parse(await File.ReadAllTextAsync("/proc/sys/net/core/somaxconn"), CultureInfo.InvariantCulture);
        await using var server = new LiveFeedProcess(new Dictionary<string, string?>());
        await server.StartAsync();

        Assert.Equal(Math.Min(4096, somaxconn), await ListenBacklogAsync(server.BaseAddress.Port));
    }

    [Fact]
    public async Task TheBacklogIsTheSetting()
    {
        await using var server = new LiveFeedProcess(new Dictionary<string, string?> { ["Limits:ListenBacklog"] = "100" });
        await server.StartAsync();

        Assert.Equal(100, await ListenBacklogAsync(server.BaseAddress.Port));
    }

    private static async Task<int> ListenBacklogAsync(int port)
    {
        // "LISTEN 0 4096 127.0.0.1:PORT 0.0.0.0:*": state, connections waiting now, the backlog.
        var (exitCode, output, error) = await Repository.RunAsync(
            "ss", ["-H", "-l", "-t", "-n", $"sport = :{port}"], Repository.Root, timeout: TimeSpan.FromSeconds(10));
        Assert.True(exitCode == 0, $"ss: {error}");
        var listener = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        var columns = listener.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("LISTEN", columns[0]);
        return int.Parse(columns[2], CultureInfo.InvariantCulture);
    }
}
