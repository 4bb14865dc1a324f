using System.Globalization;
using System.Net.WebSockets;
using System.Text.Json;

namespace LiveFeed.Tests.Infrastructure;

/// <summary>
/// A lean reader of one feed, by the contract's client rule, on a <see cref="RawHubClient"/> (JSON, WebSockets):
/// light enough to run thousands in one test. When the server ends its connection it records how (the hub's close
/// message, the WebSocket close frame, when), connects to the next server of its list and subscribes again from the
/// last event it applied. Tests read what it applied, what it dropped as already applied, and any gap it saw.
/// </summary>
public sealed class ResumingReader : IAsyncDisposable
{
    private readonly string _feed;
    private readonly IReadOnlyList<Uri> _servers;
    private readonly Lock _gate = new();
    private readonly List<long> _applied = [];
    private readonly List<JsonElement> _early = [];
    private readonly List<ServerClose> _closes = [];
    private readonly CancellationTokenSource _stop = new();
    private TaskCompletionSource _subscribed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private RawHubClient? _client;
    private Task _following = Task.CompletedTask;
    private int _server;
    private int _invocations;
    private bool _answered;
    private string? _epoch;
    private long _last;
    private (DateTime At, bool AllowsReconnect)? _closeMessage;

    public ResumingReader(string feed, IReadOnlyList<Uri> servers)
    {
        _feed = feed;
        _servers = servers;
    }

    /// <summary>Sequences applied, in the order applied (since the last reset page).</summary>
    public IReadOnlyList<long> Applied
    {
        get
        {
            lock (_gate)
            {
                return [.. _applied];
            }
        }
    }

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

    /// <summary>Events the reader had already applied when they arrived (allowed by the contract; dropped).</summary>
    public int AlreadyApplied { get; private set; }

    /// <summary>Events that arrived after a missing one: a gap the server should never leave.</summary>
    public int Gaps { get; private set; }

    /// <summary>Connection attempts that failed (refused, or no server there) before one succeeded.</summary>
    public int FailedConnects { get; private set; }

    /// <summary>Reset pages received after the first: each means the reader had to start over.</summary>
    public int Resets { get; private set; }

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

    /// <summary>The index in the server list of the server it is on now.</summary>
    public int Server => Volatile.Read(ref _server);

    /// <summary>Connects to the first server and subscribes; returns once the first page is applied.</summary>
    public async Task StartAsync()
    {
        await ConnectAsync();
        _following = Task.Run(FollowAsync);
    }

    /// <summary>Returns once it is subscribed again after its latest connection (or at once when it is).</summary>
    public Task Resubscribed => _subscribed.Task;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_client is { } client)
        {
            await client.DisposeAsync();
        }

        try
        {
            await _following.WaitAsync(TestReader.Timeout);
        }
        catch (Exception exception) when (exception is OperationCanceledException or TimeoutException or WebSocketException)
        {
        }

        _stop.Dispose();
    }

    private async Task ConnectAsync()
    {
        lock (_gate)
        {
            _answered = false;
            _early.Clear();
        }

        var client = await RawHubClient.ConnectAsync(_servers[Server], cancellationToken: _stop.Token);
        try
        {
            await client.HandshakeAsync();
            client.OnRecord = OnRecord;
            client.StartReading();
            string? epoch;
            long last;
            lock (_gate)
            {
                epoch = _epoch;
                last = _last;
            }

            var invocation = Interlocked.Increment(ref _invocations).ToString(CultureInfo.InvariantCulture);
            await client.SendSubscribeAsync(_feed, invocation, epoch, epoch is null ? null : last);
            await _subscribed.Task.WaitAsync(TestReader.Timeout, _stop.Token);
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }

        _client = client;
    }

    private async Task FollowAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = _client!;
            await client.Reading;
            if (_stop.IsCancellationRequested)
            {
                return;
            }

            // Answer the server's close frame, as a polite client does, then note how the connection ended.
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

            await client.DisposeAsync();
            _subscribed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            while (true)
            {
                Volatile.Write(ref _server, (Server + 1) % _servers.Count);
                try
                {
                    await ConnectAsync();
                    break;
                }
                catch (Exception exception) when (exception is WebSocketException or TimeoutException or InvalidOperationException && !_stop.IsCancellationRequested)
                {
                    // Refused (a stopping server answers 503) or not there: the next server, after a short pause.
                    FailedConnects++;
                    await Task.Delay(200, _stop.Token);
                }
            }
        }
    }

    private void OnRecord(ReadOnlyMemory<byte> record)
    {
        using var document = JsonDocument.Parse(record);
        var message = document.RootElement;
        switch (message.GetProperty("type").GetInt32())
        {
            case 1 when message.GetProperty("target").GetString() == "FeedEvent":
                var live = message.GetProperty("arguments")[0].Clone();
                lock (_gate)
                {
                    if (_answered)
                    {
                        Apply(live);
                    }
                    else
                    {
                        _early.Add(live);
                    }
                }

                break;
            case 3 when message.TryGetProperty("error", out var error):
                _subscribed.TrySetException(new InvalidOperationException($"Subscribe failed: {error.GetString()}"));
                break;
            case 3:
                var page = message.GetProperty("result");
                lock (_gate)
                {
                    if (page.GetProperty("reset").GetBoolean())
                    {
                        Resets += _epoch is null ? 0 : 1;
                        _applied.Clear();
                        _last = page.GetProperty("sequence").GetInt64();
                    }
                    else
                    {
                        foreach (var feedEvent in page.GetProperty("events").EnumerateArray())
                        {
                            Apply(feedEvent);
                        }
                    }

                    _epoch = page.GetProperty("epoch").GetString();
                    _answered = true;
                    foreach (var feedEvent in _early)
                    {
                        Apply(feedEvent);
                    }

                    _early.Clear();
                }

                _subscribed.TrySetResult();
                break;
            case 7:
                lock (_gate)
                {
                    _closeMessage = (DateTime.UtcNow, message.TryGetProperty("allowReconnect", out var allow) && allow.GetBoolean());
                }

                break;
        }
    }

    // Under _gate.
    private void Apply(JsonElement feedEvent)
    {
        var sequence = feedEvent.GetProperty("sequence").GetInt64();
        if (sequence <= _last)
        {
            AlreadyApplied++;
            return;
        }

        if (sequence != _last + 1)
        {
            Gaps++;
        }

        _applied.Add(sequence);
        _last = sequence;
    }

    /// <summary>A server ended the reader's connection.</summary>
    /// <param name="At">When the reader heard its connection end (UTC): the hub's close message, or the end of the connection without one.</param>
    /// <param name="HubCloseAllowsReconnect">The hub's close message said the reader may reconnect (null: no close message came).</param>
    /// <param name="WebSocketClose">The status in the server's WebSocket close frame (null: the connection broke without one).</param>
    public sealed record ServerClose(DateTime At, bool? HubCloseAllowsReconnect, WebSocketCloseStatus? WebSocketClose);
}
