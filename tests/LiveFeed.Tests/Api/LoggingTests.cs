using System.Text.Json;
using LiveFeed.Contracts;
using LiveFeed.Server.Newsroom;
using LiveFeed.Tests.Infrastructure;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

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

    [Fact]
    public async Task AReadersNegotiateIsLoggedAsARequestButItsConnectionRequestIsNotAndItsReaderIs()
    {
        await using var server = new LiveFeedProcess(new Dictionary<string, string?>
        {
            ["Serilog:MinimumLevel:Default"] = "Information",
            ["Serilog:MinimumLevel:Override:LiveFeed"] = "Debug",
        });
        await server.StartAsync();
        // Server-sent events: a negotiate, then one long GET on the hub's path (and a short POST per hub call).
        await using (var reader = new TestReader(new Uri(server.BaseAddress, FeedHubProtocol.Path), HubProtocolKind.Json, HttpTransportType.ServerSentEvents))
        {
            await reader.StartAsync();
            await reader.SubscribeAsync("main");
        }

        // The connection request ends with the reader's disconnect; a later request's line comes after it.
        var lines = await WaitForLinesAsync(server, lines => lines.Any(l => l.Contains("Reader {ConnectionId} disconnected", StringComparison.Ordinal)));
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        using (await http.GetAsync("/health/live"))
        {
        }

        lines = await WaitForLinesAsync(server, lines => lines.Any(l => l.Contains("\"RequestPath\":\"/health/live\"", StringComparison.Ordinal)));
        var requests = lines.Select(line => JsonDocument.Parse(line).RootElement)
            .Where(e => e.TryGetProperty("RequestPath", out _) && e.TryGetProperty("StatusCode", out _))
            .Select(e => e.GetProperty("RequestPath").GetString())
            .ToList();
        Assert.Contains(FeedHubProtocol.Path + "/negotiate", requests);
        Assert.DoesNotContain(FeedHubProtocol.Path, requests);
        Assert.Contains(lines, l => l.Contains("Reader {ConnectionId} connected", StringComparison.Ordinal));
    }

    [Fact]
    public void TheServerKeepsOneLoggerPerCategoryNotOnePerCall()
    {
        // The framework asks for loggers per connection; Serilog's factory alone would make a new one each time.
        using var server = new LiveFeedServer();
        var loggers = server.Services.GetRequiredService<ILoggerFactory>();
        Assert.Same(loggers.CreateLogger("LiveFeed.Tests.Category"), loggers.CreateLogger("LiveFeed.Tests.Category"));
        Assert.NotSame(loggers.CreateLogger("LiveFeed.Tests.Category"), loggers.CreateLogger("LiveFeed.Tests.Other"));
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
