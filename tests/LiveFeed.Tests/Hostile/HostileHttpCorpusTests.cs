using System.Globalization;
using System.Text;
using LiveFeed.Tests.Infrastructure;
using Xunit.Abstractions;

namespace LiveFeed.Tests.Hostile;

/// <summary>
/// A generated corpus of malformed HTTP requests, sent over bare sockets so that nothing tidies them on the way:
/// wrong types, huge numbers, deep nesting, invalid UTF-8, odd headers, path tricks in the feed name and item id.
/// Each must get its status (or a closed connection where the server cannot even parse it), never a 5xx, and
/// never store anything; a reader is served all along, and the store is byte for byte what it was.
/// </summary>
public sealed class HostileHttpCorpusTests(ITestOutputHelper output)
{
    private const string Key = LiveFeedServer.NewsroomKey;
    private const string ValidBody = """{"headline":"Should never be stored"}""";

    [Fact]
    public async Task EveryMalformedRequestGetsItsAnswerWhileAReaderIsServedAndTheStoreIsUnchanged()
    {
        using var server = new LiveFeedServer();
        using var newsroom = server.CreateNewsroomClient();
        using var anonymous = server.CreateAnonymousClient();
        var ids = await HostileStore.SeedAsync(newsroom);
        var watch = NewsroomRequests.UniqueFeed("watch");
        await using var reader = await server.ConnectReaderAsync();
        await reader.SubscribeAsync(watch);
        var before = await HostileStore.SnapshotAsync(anonymous, watch);

        var cases = Corpus(ids[1]).ToList();
        Assert.True(cases.Count >= 200, $"{cases.Count} cases");

        var failures = new List<string>();
        var served = 0;
        for (var i = 0; i < cases.Count; i++)
        {
            var (name, request, expected) = cases[i];
            var status = await RawHttp.SendAsync(server.BaseAddress, request);
            if (!expected.Contains(status))
            {
                failures.Add($"{name}: answered {status}, expected {string.Join(" or ", expected)}");
            }

            if (i % 20 == 19)
            {
                // The well-behaved reader is served throughout.
                await newsroom.PublishAsync(watch, $"Still here {++served}");
                Assert.Equal($"Still here {served}", (await reader.NextEventAsync()).Item.Headline);
            }
        }

        output.WriteLine($"{cases.Count} malformed requests, {failures.Count} wrong answers.");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.Equal(before, await HostileStore.SnapshotAsync(anonymous, watch));
        using var live = await anonymous.GetAsync(new Uri("/health/live", UriKind.Relative));
        Assert.Equal(System.Net.HttpStatusCode.OK, live.StatusCode);
    }

    private static IEnumerable<(string Name, byte[] Request, int[] Expected)> Corpus(string existingId)
    {
        var items = $"/api/feeds/{HostileStore.Feed}/items";
        string[] json = ["Content-Type: application/json", $"Authorization: Bearer {Key}"];

        // 1. Bodies: every field with a wrong type or a value the contract forbids, next to a valid headline.
        var badValues = new Dictionary<string, string[]>
        {
            ["headline"] = ["123", "true", "false", "[]", "{}", "1.5", "-1", "1e400", "\"\"", "\"   \"", "\"a\\u0000b\"", "\"a\\nb\"", $"\"{new string('h', 281)}\"", "\"\\ud800\"", "\"\\udc00x\""],
            ["body"] = ["1", "true", "[]", "{}", "[\"x\"]", $"\"{new string('b', 4001)}\"", "\"\\ud83d\""],
            ["priority"] = ["1", "\"URGENT\"", "\"\"", "\"none\"", "[]", "{}", "1e999999", "\"normal \""],
            ["tags"] = ["\"x\"", "[1]", "[[]]", "[null]", "[\"\"]", "{}", $"[{string.Join(',', Enumerable.Range(0, 11).Select(i => $"\"t{i}\""))}]", $"[\"{new string('t', 33)}\"]", "[\"a\\u0001\"]", "123456789012345678901234567890"],
            ["link"] = ["1", "\"javascript:alert(1)\"", "\"ftp://example.com\"", "\"http://\"", "\"/relative\"", $"\"http://example.com/{new string('l', 2048)}\"", "\"data:text/html,<script>alert(1)</script>\"", "[]", "\"file:///etc/passwd\""],
        };
        foreach (var (field, values) in badValues)
        {
            foreach (var value in values)
            {
                var body = field == "headline" ? $$"""{"headline":{{value}}}""" : $$"""{"headline":"ok","{{field}}":{{value}}}""";
                yield return ($"{field}={Shorten(value)}", RawHttp.Request("POST", items, json, Encoding.UTF8.GetBytes(body)), [400]);
            }
        }

        // 2. Bodies that are not one JSON object of known fields.
        string[] structural =
        [
            "", " ", "{", "}", "[]", "null", "true", "1", "\"x\"", "{\"headline\":\"x\"", "{\"headline\":\"x\"}}", "{\"headline\":\"x\"} trailing",
            "{'headline':'x'}", "{headline:\"x\"}", "{\"headline\":\"x\",}", "/* c */{\"headline\":\"x\"}", "{\"headline\":\"x\",\"headline\":\"y\"}",
            "{\"Headline\":\"x\"}", "{\"headline\":\"x\",\"__proto__\":{}}", "{\"headline\":\"x\",\"constructor\":1}", "{\"headline\":NaN}",
            "{\"headline\":\"x\",\"priority\":Infinity}", "{\"headline\":\"x\",\"id\":\"forged\"}", "{\"headline\":\"x\",\"author\":\"someone else\"}",
            "{\"headline\":\"x\",\"publishedAt\":\"2000-01-01T00:00:00Z\"}", "[{\"headline\":\"x\"}]",
            $"{{\"headline\":\"x\",\"body\":{new string('[', 1000)}{new string(']', 1000)}}}",
            $"{{\"headline\":\"x\",\"tags\":{string.Concat(Enumerable.Repeat("{\"a\":", 40))}1{new string('}', 40)}}}",
            $"{{\"headline\":\"x\",{string.Join(',', Enumerable.Range(0, 3000).Select(i => $"\"k{i}\":1"))}}}",
            "\u0000{\"headline\":\"x\"}",
        ];
        foreach (var body in structural)
        {
            yield return ($"body {Shorten(body)}", RawHttp.Request("POST", items, json, Encoding.UTF8.GetBytes(body)), [400]);
        }

        // 3. Invalid UTF-8 inside the headline's string.
        byte[][] invalidUtf8 = [[0xC3, 0x28], [0xA0, 0xA1], [0xE2, 0x28, 0xA1], [0xF0, 0x28, 0x8C, 0xBC], [0xFF], [0xFE, 0xFF], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82]];
        foreach (var bytes in invalidUtf8)
        {
            byte[] body = [.. "{\"headline\":\"a"u8.ToArray(), .. bytes, .. "b\"}"u8.ToArray()];
            yield return ($"utf-8 {Convert.ToHexString(bytes)}", RawHttp.Request("POST", items, json, body), [400]);
        }

        // 4. Content types that are not JSON.
        foreach (var type in new[] { "text/plain", "application/xml", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded", "text/html", "application/jsonx", "json", "application/octet-stream" })
        {
            yield return ($"Content-Type {type}", RawHttp.Request("POST", items, [$"Content-Type: {type}", $"Authorization: Bearer {Key}"], Encoding.UTF8.GetBytes(ValidBody)), [415]);
        }

        yield return ("no Content-Type", RawHttp.Request("POST", items, [$"Authorization: Bearer {Key}"], Encoding.UTF8.GetBytes(ValidBody)), [415]);

        // 5. Keys that are not the key.
        string[] wrongAuthorization =
        [
            $"Basic {Convert.ToBase64String(Encoding.UTF8.GetBytes("desk:" + Key))}", "Bearer", "Bearer ", "Bearer wrong", $"Bearer {Key}x", $"Bearer {Key.ToUpperInvariant()}",
            Key, $"Token {Key}", $"Bearer {Key[..^1]}", $"Bearer {new string('k', 8000)}", "Bearer null", $"Bearer\t{Key}x",
        ];
        foreach (var authorization in wrongAuthorization)
        {
            yield return ($"Authorization {Shorten(authorization)}", RawHttp.Request("POST", items, ["Content-Type: application/json", $"Authorization: {authorization}"], Encoding.UTF8.GetBytes(ValidBody)), [401]);
        }

        yield return ("no Authorization", RawHttp.Request("POST", items, ["Content-Type: application/json"], Encoding.UTF8.GetBytes(ValidBody)), [401]);
        yield return ("key in the query", RawHttp.Request("POST", $"{items}?access_token={Key}", ["Content-Type: application/json"], Encoding.UTF8.GetBytes(ValidBody)), [401]);
        yield return ("PUT without a key", RawHttp.Request("PUT", $"{items}/{existingId}", ["Content-Type: application/json"], Encoding.UTF8.GetBytes(ValidBody)), [401]);
        yield return ("DELETE without a key", RawHttp.Request("DELETE", $"{items}/{existingId}"), [401]);
        yield return ("DELETE with a wrong key", RawHttp.Request("DELETE", $"{items}/{existingId}", ["Authorization: Bearer wrong"]), [401]);

        // 6. Idempotency keys the contract does not allow.
        foreach (var idempotencyKey in new[] { new string('i', 129), "", "a b", "tab\there", "\u00e9t\u00e9" })
        {
            yield return ($"Idempotency-Key {Shorten(idempotencyKey)}", RawHttp.Request("POST", items, [.. json, $"Idempotency-Key: {idempotencyKey}"], Encoding.UTF8.GetBytes(ValidBody)), [400]);
        }

        // 7. Path tricks in the feed name, on reads and on a write with a valid body and key.
        string[] feedNames =
        [
            "Main", "MAIN", "-main", "main-", "a_b", "a.b", "%20", "%C3%A4", "%2e%2e", "..", ".", "main%2Fx", "main%00", "%00", new string('f', 65),
            "main%0d%0aSet-Cookie:%20x=1", "%3Cscript%3E", "main;drop", "*", "main%252e", "main%5c..%5c", "~", "main%", "%ZZ",
        ];
        foreach (var feed in feedNames)
        {
            yield return ($"GET feed '{feed}' items", RawHttp.Request("GET", $"/api/feeds/{feed}/items"), [400, 404]);
            yield return ($"GET feed '{feed}' events", RawHttp.Request("GET", $"/api/feeds/{feed}/events"), [400, 404]);
            yield return ($"POST feed '{feed}'", RawHttp.Request("POST", $"/api/feeds/{feed}/items", json, Encoding.UTF8.GetBytes(ValidBody)), [400, 404, 405]);
        }

        // 8. Path tricks in the item id, on a read, a correction with a valid body, and a retraction.
        string[] itemIds =
        [
            "..", "%2e%2e", "x%00", "%27%20OR%201%3D1%20--", "%3Cscript%3E", new string('a', 65), "%2F", "*", "a%20b", "00000000000000000000000000000000",
            new string('0', 4000), "%C3%A9", $"{existingId}%00", $"{existingId}/..", $"..%2F{existingId}",
        ];
        foreach (var id in itemIds)
        {
            // "items/{id}/.." is "items" once the dot segment is resolved (as every browser does): the list.
            yield return ($"GET item '{Shorten(id)}'", RawHttp.Request("GET", $"{items}/{id}"), id.EndsWith("/..", StringComparison.Ordinal) ? [200] : [400, 404]);
            yield return ($"PUT item '{Shorten(id)}'", RawHttp.Request("PUT", $"{items}/{id}", json, Encoding.UTF8.GetBytes(ValidBody)), [400, 404, 405]);
            yield return ($"DELETE item '{Shorten(id)}'", RawHttp.Request("DELETE", $"{items}/{id}", [$"Authorization: Bearer {Key}"]), [400, 404, 405]);
        }

        // 9. Query strings.
        foreach (var limit in new[] { "-1", "0", "201", "1e2", "0x10", "99999999999999999999", "%00", "%205", "1.0", "+5" })
        {
            yield return ($"items limit={limit}", RawHttp.Request("GET", $"{items}?limit={limit}"), [400]);
        }

        // An empty value is a parameter left out (docs/contract.md, "Reading").
        yield return ("items limit= (empty)", RawHttp.Request("GET", $"{items}?limit="), [200]);

        foreach (var query in new[] { "before=..", "before=nope", "before=%00", $"before={new string('b', 5000)}" })
        {
            yield return ($"items {Shorten(query)}", RawHttp.Request("GET", $"{items}?{query}"), [400]);
        }

        foreach (var query in new[] { "epoch=x", "after=1", "epoch=&after=1", "epoch=x&after=-1", "epoch=x&after=abc", "epoch=x&after=9223372036854775808", "epoch=x&after=1&limit=0", "limit=1001" })
        {
            yield return ($"events {query}", RawHttp.Request("GET", $"/api/feeds/{HostileStore.Feed}/events?{query}"), [400]);
        }

        // 10. Requests the server cannot take as HTTP at all.
        var valid = Encoding.UTF8.GetBytes(ValidBody);
        yield return ("request line without a target", Encoding.ASCII.GetBytes("GET\r\n\r\n"), [400, 0]);
        yield return ("no Host", Encoding.ASCII.GetBytes("GET /api/feeds HTTP/1.1\r\nConnection: close\r\n\r\n"), [400]);
        yield return ("HTTP/9.9", Encoding.ASCII.GetBytes("GET /api/feeds HTTP/9.9\r\nHost: x\r\nConnection: close\r\n\r\n"), [400, 505]);
        yield return ("header without a colon", RawHttp.Request("GET", "/api/feeds", ["NoColonHere"]), [400]);
        yield return ("header name with a space", RawHttp.Request("GET", "/api/feeds", ["Bad Name: x"]), [400]);
        yield return ("NUL in a header", RawHttp.Request("GET", "/api/feeds", ["X-Odd: a\0b"]), [400]);
        yield return ("header of 40 KiB", RawHttp.Request("GET", "/api/feeds", [$"X-Big: {new string('x', 40 * 1024)}"]), [431, 400, 0]);
        yield return ("URL of 10 KiB", RawHttp.Request("GET", $"/api/feeds/main/items?x={new string('x', 10 * 1024)}"), [414, 400, 0]);
        yield return ("Content-Length and Transfer-Encoding", RawHttp.Request("POST", items, [.. json, "Transfer-Encoding: chunked", "Content-Length: 5"], Encoding.ASCII.GetBytes("0\r\n\r\n"), contentLength: false), [400]);
        yield return ("two Content-Lengths", RawHttp.Request("POST", items, [.. json, $"Content-Length: {valid.Length}", "Content-Length: 3"], valid, contentLength: false), [400]);
        yield return ("negative Content-Length", RawHttp.Request("POST", items, [.. json, "Content-Length: -1"], valid, contentLength: false), [400]);
        yield return ("bad chunk size", RawHttp.Request("POST", items, [.. json, "Transfer-Encoding: chunked"], Encoding.ASCII.GetBytes("zz\r\nabc\r\n0\r\n\r\n"), contentLength: false), [400]);
        yield return ("chunked body over 64 KiB", RawHttp.Request("POST", items, [.. json, "Transfer-Encoding: chunked"], Chunked(Encoding.UTF8.GetBytes($$"""{"headline":"x","body":"{{new string('b', 70 * 1024)}}"}""")), contentLength: false), [413]);
        yield return ("Content-Length over 64 KiB", RawHttp.Request("POST", items, json, new byte[65 * 1024]), [413]);
        yield return ("unknown method", RawHttp.Request("BREW", items), [405]);
        yield return ("TRACE", RawHttp.Request("TRACE", items), [405]);
        yield return ("PATCH", RawHttp.Request("PATCH", $"{items}/{existingId}", json, valid), [405]);
        yield return ("absolute-form target to another host", RawHttp.Request("POST", $"http://evil.example{items}", json, valid), [400]);
    }

    private static byte[] Chunked(byte[] body)
    {
        var chunked = new MemoryStream();
        for (var offset = 0; offset < body.Length; offset += 8192)
        {
            var length = Math.Min(8192, body.Length - offset);
            chunked.Write(Encoding.ASCII.GetBytes(length.ToString("x", CultureInfo.InvariantCulture) + "\r\n"));
            chunked.Write(body, offset, length);
            chunked.Write("\r\n"u8);
        }

        chunked.Write("0\r\n\r\n"u8);
        return chunked.ToArray();
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : string.Concat(text.AsSpan(0, 40), "…");
}
