using System.Text.Json;
using LiveFeed.Server.Newsroom;
using LiveFeed.Tests.Infrastructure;

namespace LiveFeed.Tests.Api;

/// <summary>What operators read: the server's own output, as a separate process in Production.</summary>
public sealed class LoggingTests
{
    [Fact]
    public async Task ProductionLogsAreCompactJsonWithOneStructuredLinePerPublishAndRequestAndNeverTheKey()
    {
        const string key = "a-very-secret-newsroom-key-4242";
        await using var server = new LiveFeedProcess(new Dictionary<string, string?>
        {
            ["Newsroom:ApiKeys:desk"] = NewsroomKeys.Hash(key),
            ["Serilog:MinimumLevel:Default"] = "Information",
        });
        await server.StartAsync();
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new("Bearer", key);

        using var published = await http.PostAsync("/api/feeds/main/items",
            new StringContent("""{"headline":"Logged item"}""", System.Text.Encoding.UTF8, "application/json"));
        var item = JsonDocument.Parse(await published.Content.ReadAsStringAsync()).RootElement;
        http.DefaultRequestHeaders.Authorization = new("Bearer", key + "-wrong");
        using var refused = await http.PostAsync("/api/feeds/main/items",
            new StringContent("""{"headline":"Refused"}""", System.Text.Encoding.UTF8, "application/json"));

        var lines = await WaitForLinesAsync(server, lines =>
            lines.Any(l => l.Contains("\"StatusCode\":201", StringComparison.Ordinal))
            && lines.Any(l => l.Contains("\"StatusCode\":401", StringComparison.Ordinal)));
        var events = lines.Select(line => JsonDocument.Parse(line).RootElement).ToList();
        var publish = Assert.Single(events, e => e.TryGetProperty("ItemId", out _));
        Assert.Equal("main", publish.GetProperty("Feed").GetString());
        Assert.Equal(1, publish.GetProperty("Sequence").GetInt64());
        Assert.Equal(item.GetProperty("id").GetString(), publish.GetProperty("ItemId").GetString());
        Assert.Equal("desk", publish.GetProperty("Author").GetString());
        Assert.Contains(events, e => e.TryGetProperty("StatusCode", out var s) && s.GetInt32() == 201);
        Assert.Contains(events, e => e.TryGetProperty("StatusCode", out var s) && s.GetInt32() == 401);
        Assert.DoesNotContain(lines, line => line.Contains(key, StringComparison.Ordinal));
    }

    private static async Task<List<string>> WaitForLinesAsync(LiveFeedProcess server, Func<List<string>, bool> done)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            var lines = server.OutputLines.ToList();
            if (done(lines))
            {
                Assert.All(lines, line => Assert.StartsWith("{", line));
                return lines;
            }

            await Task.Delay(50, timeout.Token);
        }
    }
}
