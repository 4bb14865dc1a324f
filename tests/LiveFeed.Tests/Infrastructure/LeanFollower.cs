using System.Globalization;
using System.Net.WebSockets;
using System.Text.Json;

namespace LiveFeed.Tests.Infrastructure;

/// <summary>
/// A reader cheap enough to run hundreds of in one test: a <see cref="RawHubClient"/> (JSON over a bare WebSocket) that
/// follows one feed by the contract's client rule. It applies events in sequence order, drops any at or below the last
/// one applied, and holds any beyond a gap until the gap is filled (it never fetches a gap: a gap left open at the end is
/// an event lost). When its connection ends it notes how the server ended it (<see cref="Closes"/>), connects to the next
/// server at once and subscribes from its position, as a crowd does when its instance dies or drains.
/// </summary>
public sealed class LeanFollower : IAsyncDisposable
{
    private static readonly TimeSpan ReconnectTimeout = TimeSpan.FromSeconds(30);

    private readonly IReadOnlyList<Uri> _servers;
    private readonly object _gate = new();
    private readonly List<(long Sequence, string ItemId)> _applied = [];
    private readonly SortedDictionary<long, string> _held = [];
    private readonly List<ServerClose> _closes = [];
    private (DateTime At, bool AllowsReconnect)? _closeMessage;
    private readonly CancellationTokenSource _stop = new();
    private RawHubClient? _client;
    private TaskCompletionSource<JsonElement>? _answer;
    private Task _following = Task.CompletedTask;
    private int _server;
    private long _last;

    public LeanFollower(string feed, IReadOnlyList<Uri> servers)
    {
        Feed = feed;
        _servers = servers;
    }

    public string Feed { get; }

    public string? Epoch { get; private set; }

    /// <summary>The sequence of the first page's reset: where <see cref="Applied"/> starts from.</summary>
    public long Start { get; private set; }

    /// <summary>The last applied sequence.</summary>
    public long Last
    {
        get
        {
            lock (_gate)
            {
                return _last;
            }
        }
    }

    /// <summary>Every event applied after the first page, in the order applied.</summary>
    public IReadOnlyList<(long Sequence, string ItemId)> Applied
    {
        get
        {
            lock (_gate)
            {
                return [.. _applied];
            }
        }
    }

    /// <summary>Events held beyond a gap right now.</summary>
    public int Held
    {
        get
        {
            lock (_gate)
            {
                return _held.Count;
            }
        }
    }

    /// <summary>Events received again and dropped.</summary>
    public int Duplicates { get; private set; }

    /// <summary>Pages that said reset after the first.</summary>
    public int Resets { get; private set; }

    /// <summary>Subscribes answered (one per connection).</summary>
    public int Subscribed { get; private set; }

    /// <summary>Each time a server ended this reader's connection: when, and how.</summary>
    public IReadOnlyList<ServerClose> Closes
    {
        get
        {
            lock (_gate)
            {
                return [.. _closes];
            }
        }
    }

    /// <summary>Why following stopped, or null.</summary>
    public string? Failure { get; private set; }

    /// <summary>Connects to the first server and subscribes with no position; returns once the page is applied.</summary>
    public async Task StartAsync()
    {
        await ConnectAndSubscribeAsync();
        _following = Task.Run(FollowAsync);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_client is { } client)
        {
            await client.DisposeAsync();
        }

        await _following.WaitAsync(TestReader.Timeout);
        _stop.Dispose();
    }

    private async Task FollowAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            await _client!.Reading;
            if (_stop.IsCancellationRequested)
            {
                return;
            }

            await NoteCloseAsync(_client);
            await _client.DisposeAsync();
            _server = Math.Min(_server + 1, _servers.Count - 1);
            var deadline = DateTime.UtcNow + ReconnectTimeout;
            while (true)
            {
                try
                {
                    await ConnectAndSubscribeAsync();
                    break;
                }
                catch (Exception exception) when (exception is not OutOfMemoryException && DateTime.UtcNow < deadline && !_stop.IsCancellationRequested)
                {
                    await Task.Delay(100);
                }
                catch (Exception exception) when (exception is not OutOfMemoryException)
                {
                    Failure ??= $"could not subscribe again: {exception.Message}";
                    return;
                }
            }
        }
    }

    /// <summary>Answers the server's close frame, as a polite client does, and notes how the connection ended.</summary>
    private async Task NoteCloseAsync(RawHubClient client)
    {
        var status = client.CloseStatus;
        if (client.State == WebSocketState.CloseReceived)
        {
            try
            {
                await client.CloseOutputAsync();
            }
            catch (WebSocketException)
            {
                // The server did not wait for it.
            }
        }

        lock (_gate)
        {
            _closes.Add(new ServerClose(_closeMessage?.At ?? DateTime.UtcNow, _closeMessage?.AllowsReconnect, status));
            _closeMessage = null;
        }
    }

    private async Task ConnectAndSubscribeAsync()
    {
        _answer = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _client = await RawHubClient.ConnectReadingAsync(_servers[_server], OnRecord);
        long? position;
        lock (_gate)
        {
            position = Epoch is null ? null : _last;
        }

        await _client.SendSubscribeAsync(Feed, "1", Epoch, position);
        var page = await _answer.Task.WaitAsync(TestReader.Timeout);
        lock (_gate)
        {
            ApplyPage(page);
        }
    }

    private void OnRecord(ReadOnlyMemory<byte> record)
    {
        using var json = JsonDocument.Parse(record);
        var root = json.RootElement;
        switch (root.GetProperty("type").GetInt32())
        {
            case 1 when root.GetProperty("target").GetString() == "FeedEvent":
                var feedEvent = root.GetProperty("arguments")[0];
                lock (_gate)
                {
                    Receive(feedEvent);
                }

                break;
            case 3 when root.TryGetProperty("error", out var error):
                Failure ??= $"Subscribe failed: {error.GetString()}";
                _answer?.TrySetException(new InvalidOperationException(error.GetString()));
                break;
            case 3:
                _answer?.TrySetResult(root.GetProperty("result").Clone());
                break;
            case 7:
                lock (_gate)
                {
                    _closeMessage = (DateTime.UtcNow, root.TryGetProperty("allowReconnect", out var allow) && allow.GetBoolean());
                }

                break;
        }
    }

    private void ApplyPage(JsonElement page)
    {
        Subscribed++;
        if (page.GetProperty("reset").GetBoolean())
        {
            if (Epoch is not null)
            {
                Resets++;
                _applied.Clear();
            }

            Epoch = page.GetProperty("epoch").GetString();
            Start = _last = page.GetProperty("sequence").GetInt64();
        }
        else
        {
            foreach (var feedEvent in page.GetProperty("events").EnumerateArray())
            {
                Receive(feedEvent);
            }
        }

        Drain();
    }

    private void Receive(JsonElement feedEvent)
    {
        var sequence = feedEvent.GetProperty("sequence").GetInt64();
        var itemId = feedEvent.GetProperty("item").GetProperty("id").GetString()!;
        if (Epoch is not null && sequence <= _last)
        {
            Duplicates++;
            return;
        }

        // Before the first page (no position yet) everything is held; the page then says where to start.
        _held.TryAdd(sequence, itemId);
        if (Epoch is not null)
        {
            Drain();
        }
    }

    private void Drain()
    {
        foreach (var stale in _held.Keys.Where(sequence => sequence <= _last).ToList())
        {
            _held.Remove(stale);
        }

        while (_held.Remove(_last + 1, out var itemId))
        {
            _applied.Add((++_last, itemId));
        }
    }

    /// <summary>A server ended the reader's connection.</summary>
    /// <param name="At">When the reader heard it (UTC): the hub's close message, or the end of the connection without one.</param>
    /// <param name="HubCloseAllowsReconnect">The hub's close message said the reader may reconnect (null: no close message came).</param>
    /// <param name="WebSocketClose">The status in the server's WebSocket close frame (null: the connection broke without one).</param>
    public sealed record ServerClose(DateTime At, bool? HubCloseAllowsReconnect, WebSocketCloseStatus? WebSocketClose);

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"reader of {Feed}: from #{Start} to #{Last}, {Held} held, {Duplicates} duplicates, {Resets} resets, {Subscribed} subscribes{(Failure is null ? "" : ", " + Failure)}");
}
