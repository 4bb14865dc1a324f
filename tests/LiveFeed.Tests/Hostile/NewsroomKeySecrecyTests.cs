using System.Net;
using System.Net.Http.Headers;
using System.Text;
using LiveFeed.Server.Newsroom;
using LiveFeed.Tests.Infrastructure;

namespace LiveFeed.Tests.Hostile;

/// <summary>
/// Newsroom keys never appear in the server's logs or in an error body: not the right key on any failure path,
/// and not a wrong key (a near miss, or a key sent under another scheme) either. The server runs as operators
/// run it, logging everything down to Debug, framework included.
/// </summary>
public sealed class NewsroomKeySecrecyTests
{
    private const string Key = "lf_secret_newsroom_key_5f1c9a7e2b";

    [Fact]
    public async Task NoKeyPresentedToAnyFailurePathAppearsInALogLineOrAnErrorBody()
    {
        await using var server = new LiveFeedProcess(new Dictionary<string, string?>
        {
            ["Newsroom:ApiKeys:desk"] = NewsroomKeys.Hash(Key),
            ["Serilog:MinimumLevel:Default"] = "Debug",
            ["Serilog:MinimumLevel:Override:Microsoft"] = "Debug",
            ["Serilog:MinimumLevel:Override:System"] = "Debug",
            ["Limits:Writes:TokenLimit"] = "8",
            ["Limits:Writes:TokensPerPeriod"] = "1",
            ["Limits:Writes:ReplenishmentPeriod"] = "01:00:00",
        });
        await server.StartAsync();
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        string[] secrets = [Key, Key + "x", Key[..^1], Key.ToUpperInvariant()];
        var bodies = new List<string>();

        async Task SendAsync(HttpMethod method, string url, string? authorization, string? json, string contentType = "application/json", bool chunked = false)
        {
            using var request = new HttpRequestMessage(method, new Uri(url, UriKind.Relative));
            request.Headers.TransferEncodingChunked = chunked;
            if (authorization is not null)
            {
                request.Headers.TryAddWithoutValidation("Authorization", authorization);
            }

            if (json is not null)
            {
                request.Content = new StringContent(json, Encoding.UTF8);
                request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
            }

            using var response = await http.SendAsync(request);
            Assert.True((int)response.StatusCode >= 400, $"{method} {url} answered {response.StatusCode}");
            bodies.Add(await response.Content.ReadAsStringAsync());
        }

        // The right key on every failure path: 400, 413, 415, 404, 405 and, past the write limit, 429.
        var bearer = $"Bearer {Key}";
        await SendAsync(HttpMethod.Post, "/api/feeds/main/items", bearer, """{"headline":""}""");
        await SendAsync(HttpMethod.Post, "/api/feeds/main/items", bearer, $$"""{"headline":"x","body":"{{new string('b', 70_000)}}"}""", chunked: true);
        await SendAsync(HttpMethod.Post, "/api/feeds/main/items", bearer, "headline=x", "text/plain");
        await SendAsync(HttpMethod.Put, "/api/feeds/main/items/00000000000000000000000000000000", bearer, """{"headline":"x"}""");
        await SendAsync(HttpMethod.Delete, "/api/feeds/main/items/00000000000000000000000000000000", bearer, null);
        await SendAsync(HttpMethod.Post, "/api/feeds/Not-A-Feed/items", bearer, """{"headline":"x"}""");
        await SendAsync(HttpMethod.Patch, "/api/feeds/main/items/00000000000000000000000000000000", bearer, """{"headline":"x"}""");
        for (var i = 0; i < 3; i++)
        {
            await SendAsync(HttpMethod.Post, "/api/feeds/main/items", bearer, "{");
        }

        await SendAsync(HttpMethod.Post, "/api/feeds/main/items", bearer, """{"headline":"past the limit"}""");
        Assert.Contains(bodies, body => body.Contains("429", StringComparison.Ordinal));

        // Wrong keys, and the key under other schemes or none: 401, never repeating what was presented.
        foreach (var authorization in new[] { $"Bearer {Key}x", $"Bearer {Key[..^1]}", $"Bearer {Key.ToUpperInvariant()}", $"Token {Key}", Key, $"Basic {Key}", $"Bearer  {Key}x " })
        {
            await SendAsync(HttpMethod.Post, "/api/feeds/main/items", authorization, """{"headline":"x"}""");
        }

        var lines = await WaitForRequestLogsAsync(server, count: 18);

        // The framework's own Debug lines were written too, where a header could have leaked.
        Assert.Contains(lines, line => line.Contains("\"@l\":\"Debug\"", StringComparison.Ordinal) && line.Contains("Microsoft.AspNetCore", StringComparison.Ordinal));
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(bodies, body => body.Contains(secret, StringComparison.Ordinal));
            Assert.DoesNotContain(lines, line => line.Contains(secret, StringComparison.Ordinal));
        }
    }

    private static async Task<List<string>> WaitForRequestLogsAsync(LiveFeedProcess server, int count)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (true)
        {
            var lines = server.OutputLines.ToList();
            if (lines.Count(line => line.Contains("\"StatusCode\"", StringComparison.Ordinal)) >= count)
            {
                return lines;
            }

            await Task.Delay(50, timeout.Token);
        }
    }
}
