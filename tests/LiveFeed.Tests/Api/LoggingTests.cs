using System.Text.Json;
using LiveFeed.Contracts;
using LiveFeed.Server.Newsroom;
using LiveFeed.Tests.Infrastructure;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
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
    public async Task AFloodOfRefusedHubCallsLeavesNoErrorAndNoStackTraceInTheLogOnlyOneDebugLineEach()
    {
        await using var server = new LiveFeedProcess(new Dictionary<string, string?>
        {
            ["Serilog:MinimumLevel:Default"] = "Information",
            ["Serilog:MinimumLevel:Override:LiveFeed"] = "Debug",
            // 40 calls, then "too many calls" for the rest of the test.
            ["Limits:HubInvocations:TokenLimit"] = "40",
            ["Limits:HubInvocations:TokensPerPeriod"] = "1",
            ["Limits:HubInvocations:ReplenishmentPeriod"] = "01:00:00",
        });
        await server.StartAsync();
        await using var reader = new TestReader(new Uri(server.BaseAddress, FeedHubProtocol.Path), HubProtocolKind.Json, HttpTransportType.WebSockets);
        await reader.StartAsync();

        var refused = 0;
        async Task RefusedAsync(string feed)
        {
            await Assert.ThrowsAsync<HubException>(() => reader.SubscribeAsync(feed));
            refused++;
        }

        for (var i = 0; i < 10; i++)
        {
            await RefusedAsync($"Not A Feed {i}!");
        }

        for (var i = 0; i < 20; i++)
        {
            await reader.SubscribeAsync($"feed-{i}");
        }

        for (var i = 0; i < 10; i++)
        {
            await RefusedAsync($"one-too-many-{i}");
        }

        for (var i = 0; i < 10; i++)
        {
            await RefusedAsync("feed-0");
        }

        var lines = await WaitForLinesAsync(server, lines => lines.Count(l => l.Contains("Refused {HubMethod}", StringComparison.Ordinal)) == refused);
        var events = lines.Select(line => JsonDocument.Parse(line).RootElement).ToList();
        Assert.DoesNotContain(events, e => e.TryGetProperty("@l", out var level) && level.GetString() is "Error" or "Fatal");
        Assert.DoesNotContain(events, e => e.TryGetProperty("@x", out _));
        var refusals = events.Where(e => e.GetProperty("@mt").GetString()!.StartsWith("Refused {HubMethod}", StringComparison.Ordinal)).ToList();
        Assert.All(refusals, e => Assert.Equal("Debug", e.GetProperty("@l").GetString()));
        Assert.Single(refusals.Select(e => e.GetProperty("ConnectionId").GetString()).Distinct());
        Assert.Contains(refusals, e => e.GetProperty("Reason").GetString()!.Contains("is not a feed name", StringComparison.Ordinal));
        Assert.Contains(refusals, e => e.GetProperty("Reason").GetString()!.Contains("at most 20 feeds", StringComparison.Ordinal));
        Assert.Contains(refusals, e => e.GetProperty("Reason").GetString()!.Contains("Too many calls", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AServerFaultInAHubMethodIsStillLoggedAtErrorWithItsException()
    {
        await using var redis = await RedisServer.StartNewAsync();
        var settings = RedisSettings.For(redis);
        settings["Serilog:MinimumLevel:Default"] = "Information";
        await using var server = new LiveFeedProcess(settings);
        await server.StartAsync();
        // A key of the wrong type: the store's script fails in Redis, a fault no reader caused.
        Assert.Equal("+OK", await redis.SendAsync("SET livefeed:{broken}:meta not-a-hash\r\n"));
        await using var reader = new TestReader(new Uri(server.BaseAddress, FeedHubProtocol.Path), HubProtocolKind.Json, HttpTransportType.WebSockets);
        await reader.StartAsync();

        var fault = await Assert.ThrowsAsync<HubException>(() => reader.SubscribeAsync("broken"));
        Assert.Contains("unexpected error", fault.Message, StringComparison.Ordinal);

        var lines = await WaitForLinesAsync(server, lines => lines.Any(l => l.Contains("\"@l\":\"Error\"", StringComparison.Ordinal)));
        var error = Assert.Single(lines.Select(line => JsonDocument.Parse(line).RootElement), e => e.TryGetProperty("@l", out var level) && level.GetString() == "Error");
        Assert.Equal("Subscribe", error.GetProperty("HubMethod").GetString());
        Assert.Contains("WRONGTYPE", error.GetProperty("@x").GetString(), StringComparison.Ordinal);
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
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var lines = server.OutputLines.ToList();
            if (done(lines))
            {
                Assert.All(lines, line => Assert.StartsWith("{", line));
                return lines;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The log lines awaited did not come within 10 s. The server wrote:\n" + string.Join('\n', lines));
            }

            await Task.Delay(50);
        }
    }
}
