using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using LiveFeed.Tests.Infrastructure;
using MessagePack;
using Xunit.Abstractions;

namespace LiveFeed.Tests.Hostile;

/// <summary>
/// Malformed hub frames over bare WebSockets: garbage before and after the handshake, bad JSON, bad MessagePack,
/// wrong argument types and counts, unknown methods, oversized frames. Each connection either answers the bad
/// invocation with an error and goes on serving (a valid Subscribe after it is answered), or is closed; none is
/// left hanging and none gets a success. A reader is served all along and the store is unchanged.
/// </summary>
public sealed class HostileHubCorpusTests(ITestOutputHelper output)
{
    private const string Hostile = "hostile1";
    private const string Probe = "probe";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    private enum Outcome
    {
        /// <summary>The server closed the connection.</summary>
        Closed,

        /// <summary>The bad invocation got an error completion; the connection still serves.</summary>
        Error,

        /// <summary>Nothing answered the bad frame (it asked for no answer); the connection still serves.</summary>
        Ignored,

        /// <summary>
        /// Nothing answered within 5 s, and the server closed the connection later (within 45 s): SignalR reads
        /// nothing more of a connection after a message of an unknown type, until its limits end it.
        /// </summary>
        ClosedLater,

        /// <summary>Wrong whatever is expected: the bad invocation succeeded.</summary>
        Succeeded,

        /// <summary>Wrong whatever is expected: neither an answer nor a close came.</summary>
        Hung,
    }

    private sealed record HubCase(string Name, string? Protocol, (byte[] Bytes, WebSocketMessageType Type)[] Frames, Outcome[] Expected);

    [Fact]
    public async Task EveryMalformedFrameIsAnsweredWithAnErrorOrAClosedConnectionWhileAReaderIsServedAndTheStoreIsUnchanged()
    {
        using var server = new LiveFeedServer();
        using var newsroom = server.CreateNewsroomClient();
        using var anonymous = server.CreateAnonymousClient();
        await HostileStore.SeedAsync(newsroom);
        var watch = NewsroomRequests.UniqueFeed("watch");
        await using var reader = await server.ConnectReaderAsync();
        await reader.SubscribeAsync(watch);
        var before = await HostileStore.SnapshotAsync(anonymous, watch);

        var cases = Corpus().ToList();
        Assert.True(cases.Count >= 50, $"{cases.Count} cases");

        // Ten connections at a time, then a check that the well-behaved reader is still served.
        var results = new List<(HubCase Case, Outcome Outcome)>();
        foreach (var chunk in cases.Chunk(10))
        {
            var chunkOutcomes = await Task.WhenAll(chunk.Select(hubCase => RunAsync(server.BaseAddress, hubCase)));
            results.AddRange(chunk.Zip(chunkOutcomes));
            await newsroom.PublishAsync(watch, $"Still here {results.Count}");
            Assert.Equal($"Still here {results.Count}", (await reader.NextEventAsync()).Item.Headline);
        }

        var failures = results.Where(r => !r.Case.Expected.Contains(r.Outcome))
            .Select(r => $"{r.Case.Name}: {r.Outcome}, expected {string.Join(" or ", r.Case.Expected)}").ToList();
        var outcomes = results.GroupBy(r => r.Outcome).ToDictionary(g => g.Key, g => g.Count());

        output.WriteLine($"{cases.Count} malformed hub frames: {string.Join(", ", outcomes.Select(o => $"{o.Value} {o.Key}"))}.");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.Equal(before, await HostileStore.SnapshotAsync(anonymous, watch));
    }

    private static async Task<Outcome> RunAsync(Uri server, HubCase hubCase)
    {
        await using var client = await RawHubClient.ConnectAsync(server);
        try
        {
            if (hubCase.Protocol is not null)
            {
                Assert.Equal("{}", await client.HandshakeAsync(hubCase.Protocol));
            }

            foreach (var (bytes, type) in hubCase.Frames)
            {
                await client.SendAsync(bytes, type);
            }

            if (hubCase.Protocol is not null)
            {
                // The probe, then a ping as every client sends now and then: SignalR leaves bytes after a message
                // of an unknown (future) type unread until more arrive.
                var type = hubCase.Protocol == "json" ? WebSocketMessageType.Text : WebSocketMessageType.Binary;
                await client.SendAsync(ProbeFrame(hubCase.Protocol), type);
                await client.SendAsync(hubCase.Protocol == "json" ? Encoding.UTF8.GetBytes("{\"type\":6}\u001e") : [0x02, 0x91, 0x06], type);
            }
        }
        catch (WebSocketException)
        {
            return Outcome.Closed;
        }

        var hostileAnswer = Outcome.Ignored;
        while (true)
        {
            byte[]? frame;
            try
            {
                frame = await client.ReceiveFrameAsync(Wait);
            }
            catch (OperationCanceledException)
            {
                return await ClosedLaterAsync(client) ? Outcome.ClosedLater : Outcome.Hung;
            }

            if (frame is null)
            {
                return Outcome.Closed;
            }

            if (hubCase.Protocol is null or "json")
            {
                foreach (var record in Encoding.UTF8.GetString(frame).Split(RawHubClient.RecordSeparator, StringSplitOptions.RemoveEmptyEntries))
                {
                    if (record.StartsWith("{\"type\":7", StringComparison.Ordinal))
                    {
                        return Outcome.Closed;
                    }

                    if (record.Contains($"\"invocationId\":\"{Hostile}\"", StringComparison.Ordinal))
                    {
                        hostileAnswer = record.Contains("\"error\"", StringComparison.Ordinal) ? Outcome.Error : Outcome.Succeeded;
                    }

                    if (record.Contains($"\"invocationId\":\"{Probe}\"", StringComparison.Ordinal))
                    {
                        return hostileAnswer;
                    }
                }
            }
            else
            {
                // MessagePack completion: [3, headers, invocationId, resultKind, ...]; resultKind 1 is an error.
                var hostileAt = frame.AsSpan().IndexOf(MessagePackString(Hostile));
                if (hostileAt >= 0)
                {
                    var kind = frame[hostileAt + 1 + Hostile.Length];
                    hostileAnswer = kind == 1 ? Outcome.Error : Outcome.Succeeded;
                }

                if (frame.AsSpan().IndexOf(MessagePackString(Probe)) >= 0)
                {
                    return hostileAnswer;
                }

                // A close message: [7, error, allowReconnect].
                if (frame.Length > 2 && frame[1] is >= 0x92 and <= 0x93 && frame[2] == 7)
                {
                    return Outcome.Closed;
                }
            }
        }
    }

    private static async Task<bool> ClosedLaterAsync(RawHubClient client)
    {
        try
        {
            while (await client.ReceiveFrameAsync(TimeSpan.FromSeconds(45)) is not null)
            {
            }

            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static IEnumerable<HubCase> Corpus()
    {
        Outcome[] errorOrClosed = [Outcome.Error, Outcome.Closed];
        Outcome[] closed = [Outcome.Closed];
        Outcome[] ignoredOrClosed = [Outcome.Ignored, Outcome.Closed];

        // Garbage before (instead of) the handshake: the server answers a handshake error and closes.
        string[] badHandshakes =
        [
            "hello\u001e", "{\u001e", "{}\u001e", "\u001e", "[]\u001e", "null\u001e", """{"protocol":"xml","version":1}""" + "\u001e",
            """{"protocol":"json","version":99}""" + "\u001e", """{"protocol":"json"}""" + "\u001e", """{"protocol":123,"version":1}""" + "\u001e",
            """{"type":1,"invocationId":"hostile1","target":"Subscribe","arguments":["main",null,null]}""" + "\u001e",
            """{"protocol":"json","version":1,""" + new string(' ', 5000) + "}\u001e",
        ];
        foreach (var handshake in badHandshakes)
        {
            yield return new($"handshake {Shorten(handshake)}", null, [Text(handshake)], closed);
        }

        yield return new("binary garbage instead of a handshake", null, [([0xFF, 0x00, 0x1E, 0xC1, 0x80], WebSocketMessageType.Binary)], closed);
        yield return new("invalid UTF-8 handshake", null, [([0x7B, 0xC3, 0x28, 0x7D, 0x1E], WebSocketMessageType.Text)], closed);

        // JSON after the handshake: invocations that cannot bind, methods that do not exist, frames that do not parse.
        string[] badArguments =
        [
            "[]", "[\"main\"]", "[\"main\",null]", "[\"main\",null,null,null]", "[1,null,null]", "[{},null,null]", "[[],null,null]", "[true,null,null]",
            "[\"main\",5,null]", "[\"main\",{},null]", "[\"main\",null,\"x\"]", "[\"main\",null,1.5]", "[\"main\",null,1e999]",
            "[\"main\",null,99999999999999999999]", "[\"../etc/passwd\",null,null]", "[\"\",null,null]", "[null,null,null]", "[\"MAIN\",null,null]",
            $"[\"{new string('a', 3000)}\",null,null]", $"[{new string('[', 500)}{new string(']', 500)},null,null]", "\"main\"", "{\"feed\":\"main\"}",
        ];
        foreach (var arguments in badArguments)
        {
            yield return new($"Subscribe({Shorten(arguments)})", "json", [Text(Invocation("Subscribe", arguments))], errorOrClosed);
        }

        foreach (var target in new[] { "DropTables", "OnConnectedAsync", "OnDisconnectedAsync", "Dispose", "Subscriptions", "Shorten", "subscribe", "FeedEvent", "" })
        {
            yield return new($"unknown method '{target}'", "json", [Text(Invocation(target, "[]"))], errorOrClosed);
        }

        yield return new("Unsubscribe(1)", "json", [Text(Invocation("Unsubscribe", "[1]"))], errorOrClosed);
        yield return new("Unsubscribe('../x')", "json", [Text(Invocation("Unsubscribe", "[\"../x\"]"))], errorOrClosed);
        yield return new("stream invocation of Subscribe", "json", [Text($$"""{"type":4,"invocationId":"{{Hostile}}","target":"Subscribe","arguments":["main",null,null]}""" + "\u001e")], errorOrClosed);
        yield return new("Subscribe with stream ids", "json", [Text($$"""{"type":1,"invocationId":"{{Hostile}}","target":"Subscribe","arguments":["main",null,null],"streamIds":["1"]}""" + "\u001e")], errorOrClosed);
        yield return new("non-string headers", "json", [Text($$$"""{"type":1,"invocationId":"{{{Hostile}}}","target":"Subscribe","arguments":["main",null,null],"headers":{"a":1}}""" + "\u001e")], errorOrClosed);
        yield return new("numeric invocation id", "json", [Text("""{"type":1,"invocationId":1,"target":"Subscribe","arguments":["main",null,null]}""" + "\u001e")], closed);

        string[] unparsable =
        [
            "{\"type\":1,\u001e", "not json\u001e", "[]\u001e", "{}\u001e", "{\"type\":\"1\"}\u001e", "{\"type\":1}\u001e",
            "{\"type\":1,\"target\":\"Subscribe\"}\u001e", "{\"type\":null}\u001e", "1\u001e",
        ];
        foreach (var frame in unparsable)
        {
            yield return new($"unparsable {Shorten(frame)}", "json", [Text(frame)], closed);
        }

        yield return new("frame over 4 KiB", "json", [Text(Invocation("Subscribe", $"[\"{new string('a', 5000)}\",null,null]"))], closed);
        yield return new("invalid UTF-8 in a text frame", "json", [([.. "{\"type\":1,\"invocationId\":\"hostile1\",\"target\":\"Subscribe\",\"arguments\":[\"\xC3\x28\"]}"u8.ToArray(), 0x1E], WebSocketMessageType.Text)], errorOrClosed);
        yield return new("binary garbage after the JSON handshake", "json", [([0xFF, 0xFE, 0x00, 0x1E], WebSocketMessageType.Binary)], closed);
        yield return new("completion for an invocation never made", "json", [Text("""{"type":3,"invocationId":"zzz","result":1}""" + "\u001e")], ignoredOrClosed);
        yield return new("cancel for an invocation never made", "json", [Text("""{"type":5,"invocationId":"zzz"}""" + "\u001e")], ignoredOrClosed);
        yield return new("stream item for a stream never opened", "json", [Text("""{"type":2,"invocationId":"zzz","item":1}""" + "\u001e")], ignoredOrClosed);
        yield return new("fifty pings in one frame", "json", [Text(string.Concat(Enumerable.Repeat("""{"type":6}""" + "\u001e", 50)))], ignoredOrClosed);
        yield return new("a message of an unknown type", "json", [Text("{\"type\":99}\u001e")], [Outcome.Ignored, Outcome.Closed, Outcome.ClosedLater]);
        yield return new("a close from the client", "json", [Text("""{"type":7}""" + "\u001e")], closed);

        // MessagePack after its handshake: length-prefixed frames that are not messages, or messages that cannot bind.
        byte[][] badMessagePack =
        [
            [0x05, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], [0x01, 0xC1], [0x03, 0x93, 0x01, 0x80], [0x00], [0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x01, 0x02],
            [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01],
        ];
        foreach (var frame in badMessagePack)
        {
            yield return new($"MessagePack bytes {Convert.ToHexString(frame)}", "messagepack", [(frame, WebSocketMessageType.Binary)], closed);
        }

        yield return new("MessagePack unknown method", "messagepack", [(MessagePackInvocation("DropTables", (ref MessagePackWriter w) => w.WriteArrayHeader(0)), WebSocketMessageType.Binary)], errorOrClosed);
        yield return new("MessagePack Subscribe()", "messagepack", [(MessagePackInvocation("Subscribe", (ref MessagePackWriter w) => w.WriteArrayHeader(0)), WebSocketMessageType.Binary)], errorOrClosed);
        yield return new("MessagePack Subscribe(1, nil, nil)", "messagepack", [(MessagePackInvocation("Subscribe", (ref MessagePackWriter w) =>
        {
            w.WriteArrayHeader(3);
            w.Write(1);
            w.WriteNil();
            w.WriteNil();
        }), WebSocketMessageType.Binary)], errorOrClosed);
        yield return new("MessagePack Subscribe(\"main\", {}, \"x\")", "messagepack", [(MessagePackInvocation("Subscribe", (ref MessagePackWriter w) =>
        {
            w.WriteArrayHeader(3);
            w.Write("main");
            w.WriteMapHeader(0);
            w.Write("x");
        }), WebSocketMessageType.Binary)], errorOrClosed);
        yield return new("MessagePack Subscribe(\"../x\", nil, nil)", "messagepack", [(MessagePackInvocation("Subscribe", (ref MessagePackWriter w) =>
        {
            w.WriteArrayHeader(3);
            w.Write("../x");
            w.WriteNil();
            w.WriteNil();
        }), WebSocketMessageType.Binary)], errorOrClosed);
        yield return new("MessagePack message of an unknown type", "messagepack", [(LengthPrefixed((ref MessagePackWriter w) =>
        {
            w.WriteArrayHeader(2);
            w.Write(99);
            w.WriteMapHeader(0);
        }), WebSocketMessageType.Binary)], [Outcome.Ignored, Outcome.Closed, Outcome.ClosedLater]);
        yield return new("MessagePack invocation id as a number", "messagepack", [(LengthPrefixed((ref MessagePackWriter w) =>
        {
            w.WriteArrayHeader(5);
            w.Write(1);
            w.WriteMapHeader(0);
            w.Write(42);
            w.Write("Subscribe");
            w.WriteArrayHeader(0);
        }), WebSocketMessageType.Binary)], closed);
        yield return new("JSON text on a MessagePack connection", "messagepack", [Text(Invocation("Subscribe", "[\"main\",null,null]"))], closed);
    }

    private static (byte[], WebSocketMessageType) Text(string text) => (Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text);

    private static string Invocation(string target, string arguments) =>
        $$"""{"type":1,"invocationId":"{{Hostile}}","target":"{{target}}","arguments":""" + arguments + "}\u001e";

    private static byte[] ProbeFrame(string protocol) => protocol == "json"
        ? Encoding.UTF8.GetBytes($$"""{"type":1,"invocationId":"{{Probe}}","target":"Subscribe","arguments":["probe-feed",null,null]}""" + "\u001e")
        : LengthPrefixed((ref MessagePackWriter w) =>
        {
            w.WriteArrayHeader(5);
            w.Write(1);
            w.WriteMapHeader(0);
            w.Write(Probe);
            w.Write("Subscribe");
            w.WriteArrayHeader(3);
            w.Write("probe-feed");
            w.WriteNil();
            w.WriteNil();
        });

    private static byte[] MessagePackInvocation(string target, WriteMessage arguments) => LengthPrefixed((ref MessagePackWriter w) =>
    {
        w.WriteArrayHeader(5);
        w.Write(1);
        w.WriteMapHeader(0);
        w.Write(Hostile);
        w.Write(target);
        arguments(ref w);
    });

    private delegate void WriteMessage(ref MessagePackWriter writer);

    // SignalR's MessagePack framing: each message prefixed with its length as a 7-bit varint.
    private static byte[] LengthPrefixed(WriteMessage write)
    {
        var body = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(body);
        write(ref writer);
        writer.Flush();
        var frame = new List<byte>();
        var length = (uint)body.WrittenCount;
        do
        {
            var b = (byte)(length & 0x7F);
            length >>= 7;
            frame.Add(length > 0 ? (byte)(b | 0x80) : b);
        }
        while (length > 0);

        frame.AddRange(body.WrittenSpan.ToArray());
        return [.. frame];
    }

    // A short string as MessagePack writes it: fixstr header, then the bytes.
    private static byte[] MessagePackString(string text) => [(byte)(0xA0 | text.Length), .. Encoding.ASCII.GetBytes(text)];

    private static string Shorten(string text) => text.Length <= 40 ? text : string.Concat(text.AsSpan(0, 40), "…");
}
