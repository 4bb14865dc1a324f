using System.Text.RegularExpressions;
using LiveFeed.Tests.Infrastructure;

namespace LiveFeed.Tests.Operations;

/// <summary>
/// docker-compose.yml, the Dockerfile and the nginx template agree with each other. No Docker engine runs
/// here: <c>docker-compose config</c> validates and resolves the file; LoadBalancerTopologyTests runs the
/// same topology natively.
/// </summary>
public sealed partial class ComposeTests
{
    private static readonly Dictionary<string, string?> WithKey = new() { ["LIVEFEED_DESK_KEY_SHA256"] = new string('a', 64) };

    [Fact]
    public async Task DockerComposeAcceptsTheFileWithRedisTwoInstancesAndNginxOnOnePort()
    {
        var services = await ComposeAsync(["config", "--services"]);
        Assert.Equal(["livefeed-1", "livefeed-2", "nginx", "redis"], services.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order());

        var config = await ComposeAsync(["config"]);

        // Redis keeps an append-only file on a named volume.
        Assert.Matches(@"- --appendonly\s+- ""yes""", config);
        Assert.Contains("- redis-data:/data", config, StringComparison.Ordinal);

        // Both instances are on that Redis, configured by environment variables, with the newsroom key's hash.
        Assert.Equal(2, Regex.Count(config, @"ConnectionStrings__Redis: redis:6379"));
        Assert.Equal(2, Regex.Count(config, $"Newsroom__ApiKeys__desk: {new string('a', 64)}"));
        Assert.Equal(2, Regex.Count(config, @"dockerfile: src/LiveFeed.Server/Dockerfile"));

        // One public port, on nginx only.
        Assert.Single(PublishedPort().Matches(config));
        Assert.Contains("/deploy/nginx/templates:/etc/nginx/templates:ro", config, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DockerComposeRefusesToStartWithoutANewsroomKey()
    {
        var (exitCode, _, error) = await Repository.RunAsync("docker-compose", ["config", "-q"], Repository.Root,
            new Dictionary<string, string?> { ["LIVEFEED_DESK_KEY_SHA256"] = null });

        Assert.NotEqual(0, exitCode);
        Assert.Contains("LIVEFEED_DESK_KEY_SHA256", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheNginxTemplateUsesExactlyTheVariablesComposeGivesIt()
    {
        var template = await File.ReadAllTextAsync(Repository.PathOf("deploy/nginx/templates/livefeed.conf.template"));
        var config = await ComposeAsync(["config"]);

        var placeholders = Placeholder().Matches(template).Select(m => m.Groups[1].Value).Distinct().Order().ToList();
        Assert.Equal(["LIVEFEED_LISTEN", "LIVEFEED_UPSTREAM_1", "LIVEFEED_UPSTREAM_2"], placeholders);
        foreach (var name in placeholders)
        {
            Assert.Matches($@"\n\s+{name}: ", config);
        }
    }

    [Fact]
    public async Task TheImageRunsAsANonRootUserWithAHealthCheckOnLiveness()
    {
        var dockerfile = await File.ReadAllTextAsync(Repository.PathOf("src/LiveFeed.Server/Dockerfile"));

        Assert.True(Regex.Count(dockerfile, @"^FROM ", RegexOptions.Multiline) >= 2, "The Dockerfile is not a multi-stage build.");
        var runtimeStage = dockerfile[dockerfile.LastIndexOf("\nFROM ", StringComparison.Ordinal)..];
        Assert.Matches(@"\nUSER \$APP_UID\n", runtimeStage);
        Assert.Matches(@"\nHEALTHCHECK [^\n]*(\\\n[^\n]*)*http://127\.0\.0\.1:8080/health/live", runtimeStage);
        Assert.Matches(@"ASPNETCORE_HTTP_PORTS=8080", runtimeStage);
    }

    private static async Task<string> ComposeAsync(string[] arguments)
    {
        var (exitCode, output, error) = await Repository.RunAsync("docker-compose", arguments, Repository.Root, WithKey);
        Assert.True(exitCode == 0, $"docker-compose {string.Join(' ', arguments)} failed ({exitCode}):\n{error}");
        return output;
    }

    [GeneratedRegex(@"\$\{([A-Za-z0-9_]+)\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"\n\s+- published: ")]
    private static partial Regex PublishedPort();
}
