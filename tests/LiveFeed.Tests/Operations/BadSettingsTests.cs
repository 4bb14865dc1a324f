using LiveFeed.Tests.Infrastructure;

namespace LiveFeed.Tests.Operations;

/// <summary>
/// What an operator sees when a setting is bad: the server, run as operators run it, stops at once with exit code 1
/// and one line naming the setting's full key and what it may be, and no stack trace.
/// </summary>
public sealed class BadSettingsTests
{
    public static TheoryData<string, string, string> Settings => new()
    {
        // key, bad value, words of what is allowed
        { "Feed:EventRetention", "0", "from 1 to 1000000" },
        { "Feed:SnapshotSize", "fifty", "a whole number" },
        { "Newsroom:ApiKeys:desk", "not-a-sha256", "lowercase hex SHA-256" },
        { "Newsroom:Scopes:desk", "ukraine,Sport-*", "not a feed pattern" },
        { "Newsroom:Scopes:desk", "sport*news", "not a feed pattern" },
        { "Newsroom:Scopes:desk", "ukraine,,sport-*", "empty pattern" },
        { "Newsroom:Scopes:dsk", "ukraine", "names no key" },
        { "Limits:NewConnections:TokenLimit", "0", "at least 1" },
        { "Limits:Readers:MaxBufferedBytes", "1024", "at least 16384" },
        { "Limits:Readers:SendTimeout", "soon", "a time span such as 00:00:10" },
        { "Limits:MaxReaderConnections", "many", "a whole number" },
        { "Limits:ConnectionSetups:MaxInProgress", "0", "at least 1" },
        { "Limits:ConnectionSetups:MaxRetryAfter", "00:00:00", "from 00:00:01 to 00:01:00" },
        { "Limits:ListenBacklog", "0", "from 1 to 65535" },
        { "Serilog:MinimumLevel:Default", "Loud", "one of Verbose, Debug, Information, Warning, Error, Fatal" },
        { "Cors:AllowedOrigins:0", "news.example", "an origin such as https://news.example" },
        { "Shutdown:DrainWindow", "-00:00:01", "from 00:00:00 to 00:10:00" },
        { "Shutdown:DrainWindow", "ten seconds", "a time span such as 00:00:10" },
    };

    [Theory]
    [MemberData(nameof(Settings))]
    public async Task ABadSettingStopsTheServerWithExitCode1AndOneLineNamingItsFullKey(string key, string value, string allowed)
    {
        await using var server = new LiveFeedProcess(new Dictionary<string, string?> { [key] = value });

        var exitCode = await server.RunToExitAsync();

        var output = string.Join('\n', server.OutputLines);
        Assert.True(exitCode == 1, $"exit code {exitCode}; output:\n{output}");
        var line = Assert.Single(server.OutputLines, line => line.Contains(key, StringComparison.Ordinal));
        Assert.Contains(allowed, line, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", output, StringComparison.Ordinal);
        Assert.DoesNotContain(server.OutputLines, line => line.TrimStart().StartsWith("at ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SeveralBadSettingsAreNamedOnTheSameLine()
    {
        await using var server = new LiveFeedProcess(new Dictionary<string, string?>
        {
            ["Newsroom:ApiKeys:wire"] = "ABC",
            ["Limits:Writes:TokensPerPeriod"] = "0",
        });

        Assert.Equal(1, await server.RunToExitAsync());

        var line = Assert.Single(server.OutputLines, line => line.Contains("LiveFeed did not start", StringComparison.Ordinal));
        Assert.Contains("Newsroom:ApiKeys:wire", line, StringComparison.Ordinal);
        Assert.Contains("Limits:Writes:TokensPerPeriod", line, StringComparison.Ordinal);
    }
}
