using System.Diagnostics;
using System.Net;
using System.Text.Json;
using LiveFeed.Contracts;

namespace LiveFeed.Tests.Infrastructure;

/// <summary>One record of a Server-Sent Events stream, its fields as the SSE format defines them.</summary>
public sealed record StreamRecord(string? Id, string? Event, string? Data, string? Retry, string? Comment)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The FeedEvent in <c>data:</c>.</summary>
    public FeedEvent FeedEvent => JsonSerializer.Deserialize<FeedEvent>(Data!, Json)!;

    /// <summary>The FeedPage in <c>data:</c> (of a reset).</summary>
    public FeedPage Page => JsonSerializer.Deserialize<FeedPage>(Data!, Json)!;
}

/// <summary>
/// Reads a <c>text/event-stream</c> line by line and hands out its records, each read bounded by a timeout: from an
/// HTTP response (<see cref="OpenAsync"/>) or from a process that prints one (<see cref="Curl"/>, <c>curl -N</c>).
/// </summary>
public sealed class EventStreamClient : IAsyncDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    private readonly TextReader _reader;
    private readonly IDisposable? _owner;
    private readonly Process? _process;

    private EventStreamClient(TextReader reader, IDisposable? owner, Process? process, HttpResponseMessage? response)
    {
        _reader = reader;
        _owner = owner;
        _process = process;
        Response = response;
    }

    /// <summary>True once the stream has ended (read to its end).</summary>
    public bool Ended { get; private set; }

    /// <summary>The answer's headers (null for curl).</summary>
    public HttpResponseMessage? Response { get; }

    /// <summary>
    /// Opens <c>/api/feeds/{feed}/stream</c> (with <c>?after=</c> when given) and sends <c>Last-Event-ID</c> when given;
    /// fails unless it answers 200 with <c>text/event-stream</c>.
    /// </summary>
    public static async Task<EventStreamClient> OpenAsync(Uri server, string feed, string? lastEventId = null, string? after = null)
    {
        var response = await SendAsync(server, feed, lastEventId, after);
        if (response.StatusCode != HttpStatusCode.OK || response.Content.Headers.ContentType?.MediaType != "text/event-stream")
        {
            var body = await response.Content.ReadAsStringAsync();
            response.Dispose();
            throw new InvalidOperationException($"The stream answered {(int)response.StatusCode}: {body}");
        }

        var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        return new EventStreamClient(reader, response, null, response);
    }

    /// <summary>The answer to a stream request, whatever it is (for the limits' 429 and 503).</summary>
    public static async Task<HttpResponseMessage> SendAsync(Uri server, string feed, string? lastEventId = null, string? after = null)
    {
        var client = new HttpClient { BaseAddress = server, Timeout = Timeout.InfiniteTimeSpan };
        using var request = new HttpRequestMessage(HttpMethod.Get, after is null ? $"/api/feeds/{feed}/stream" : $"/api/feeds/{feed}/stream?after={Uri.EscapeDataString(after)}");
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        using var timeout = new CancellationTokenSource(DefaultTimeout);
        return await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
    }

    /// <summary><c>curl -sN</c> as its own process, reading the stream as any script would.</summary>
    public static EventStreamClient Curl(Uri server, string feed)
    {
        var start = new ProcessStartInfo("curl") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "-sN", "--max-time", "120", new Uri(server, $"/api/feeds/{feed}/stream").ToString() })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("curl did not start.");
        return new EventStreamClient(process.StandardOutput, null, process, null);
    }

    /// <summary>The next record (comments and <c>retry:</c> included); null when the stream ended.</summary>
    public async Task<StreamRecord?> NextAsync(TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? DefaultTimeout);
        string? id = null, eventName = null, data = null, retry = null, comment = null;
        var any = false;
        while (true)
        {
            string? line;
            try
            {
                line = await _reader.ReadLineAsync(deadline.Token);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested)
            {
                throw new TimeoutException($"No complete record within {(timeout ?? DefaultTimeout).TotalSeconds} s.");
            }

            if (line is null)
            {
                Ended = true;
                return any ? new StreamRecord(id, eventName, data, retry, comment) : null;
            }

            if (line.Length == 0)
            {
                if (any)
                {
                    return new StreamRecord(id, eventName, data, retry, comment);
                }

                continue;
            }

            any = true;
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var (field, value) = colon < 0 ? (line, "") : (line[..colon], line[(colon + 1)..]);
            value = value.StartsWith(' ') ? value[1..] : value;
            switch (field)
            {
                case "":
                    comment = value;
                    break;
                case "id":
                    id = value;
                    break;
                case "event":
                    eventName = value;
                    break;
                case "data":
                    data = data is null ? value : data + "\n" + value;
                    break;
                case "retry":
                    retry = value;
                    break;
            }
        }
    }

    /// <summary>The next record with an <c>event:</c>, skipping comments and retry advice; fails when the stream ends.</summary>
    public async Task<StreamRecord> NextEventAsync(TimeSpan? timeout = null)
    {
        while (true)
        {
            var record = await NextAsync(timeout) ?? throw new InvalidOperationException("The stream ended.");
            if (record.Event is not null)
            {
                return record;
            }
        }
    }

    /// <summary>The next <paramref name="count"/> events.</summary>
    public async Task<List<StreamRecord>> NextEventsAsync(int count, TimeSpan? timeout = null)
    {
        var records = new List<StreamRecord>();
        while (records.Count < count)
        {
            records.Add(await NextEventAsync(timeout));
        }

        return records;
    }

    /// <summary>Reads on until the stream ends; fails if an event comes first or it does not end in time.</summary>
    public async Task EndsAsync(TimeSpan? timeout = null)
    {
        while (await NextAsync(timeout) is { } record)
        {
            Assert.Null(record.Event);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
        _reader.Dispose();
        _owner?.Dispose();
    }
}
