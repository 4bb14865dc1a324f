using System.Globalization;
using System.Net.Http.Json;
using System.Threading.Channels;
using LiveFeed.Contracts;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace LiveFeed.Tests.Infrastructure;

/// <summary>
/// A reader that follows one feed by the contract's client rule (docs/contract.md, "Events out of
/// order"), over the official SignalR client:
/// <list type="bullet">
/// <item>per feed it keeps (epoch, last applied sequence), and drops any event at or below it;</item>
/// <item>it applies sequence last+1 at once, then any held successors;</item>
/// <item>it holds a later event (a gap) at most <see cref="HoldTime"/>, then fetches
/// <c>GET /api/feeds/{feed}/events?epoch=E&amp;after=last</c> and applies it (a reset answer: start over);</item>
/// <item>an event of another epoch: Subscribe again with its position (the answer is a reset if the
/// feed's epoch changed);</item>
/// <item>a lost connection: connect to the next server and Subscribe with its position.</item>
/// </list>
/// Everything happens on one loop, so the state needs no lock; tests read snapshots.
/// </summary>
public sealed class FeedFollower : IAsyncDisposable
{
    public static readonly TimeSpan HoldTime = TimeSpan.FromSeconds(1);

    private readonly string _feed;
    private readonly IReadOnlyList<Uri> _servers;
    private readonly HubProtocolKind _protocol;
    private readonly HttpTransportType _transport;
    private readonly Channel<object> _inbox = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SortedDictionary<long, FeedEvent> _held = [];
    private readonly List<FeedEvent> _applied = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _firstPage = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _loop;
    private HubConnection? _connection;
    private int _server;
    private string? _epoch;
    private long _last;
    private bool _gapCheckPending;

    /// <param name="feed">The feed to follow.</param>
    /// <param name="servers">The instances it may connect to, first the one it starts on.</param>
    /// <param name="protocol">The hub protocol.</param>
    /// <param name="transport">The transport (WebSockets skip negotiate; the others negotiate first).</param>
    public FeedFollower(string feed, IReadOnlyList<Uri> servers, HubProtocolKind protocol = HubProtocolKind.Json, HttpTransportType transport = HttpTransportType.WebSockets)
    {
        _feed = feed;
        _servers = servers;
        _protocol = protocol;
        _transport = transport;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Starts over from a page the reader received: how many times after the first.</summary>
    public int Resets { get; private set; }

    /// <summary>Gaps filled from <c>GET .../events</c>.</summary>
    public int GapFetches { get; private set; }

    /// <summary>Connections made after the first (a server died).</summary>
    public int Reconnects { get; private set; }

    /// <summary>Events that arrived ahead of a missing one and were held.</summary>
    public int OutOfOrder { get; private set; }

    /// <summary>Events dropped because they were already applied.</summary>
    public int Duplicates { get; private set; }

    public string? Epoch => Volatile.Read(ref _epoch);

    public long Last => Interlocked.Read(ref _last);

    /// <summary>Every event applied since the last reset, in the order applied.</summary>
    public IReadOnlyList<FeedEvent> Applied
    {
        get
        {
            lock (_applied)
            {
                return [.. _applied];
            }
        }
    }

    /// <summary>Connects and subscribes; returns once the first page is applied.</summary>
    public async Task StartAsync(string? epoch = null, long? sequence = null)
    {
        _epoch = epoch;
        _last = sequence ?? 0;
        _inbox.Writer.TryWrite(new Connect(IsFirst: true));
        await _firstPage.Task.WaitAsync(TestReader.Timeout);
    }

    /// <summary>Waits until sequence <paramref name="sequence"/> is applied; fails with the state after the timeout.</summary>
    public async Task WaitForAsync(long sequence, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (Last < sequence)
        {
            if (DateTime.UtcNow > deadline || _loop.IsCompleted)
            {
                throw new TimeoutException(
                    $"Reader of {_feed} reached #{Last} of #{sequence} within {timeout.TotalSeconds} s " +
                    $"(held {HeldCount()}, resets {Resets}, gap fetches {GapFetches}, reconnects {Reconnects}, loop {_loop.Status}: {_loop.Exception?.GetBaseException().Message}).");
            }

            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _inbox.Writer.TryComplete();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }

        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }

        _stopping.Dispose();
    }

    private async Task RunAsync()
    {
        await foreach (var message in _inbox.Reader.ReadAllAsync(_stopping.Token))
        {
            switch (message)
            {
                case Connect connect:
                    await ConnectAsync(connect.IsFirst);
                    break;
                case Lost lost when ReferenceEquals(lost.Connection, _connection):
                    Reconnects++;
                    _server = (_server + 1) % _servers.Count;
                    await ConnectAsync(isFirst: false);
                    break;
                case Received received when ReferenceEquals(received.Connection, _connection):
                    await OnEventAsync(received.Event);
                    break;
                case GapCheck:
                    _gapCheckPending = false;
                    await FillGapAsync();
                    break;
            }
        }
    }

    private async Task ConnectAsync(bool isFirst)
    {
        // Try each server in turn until one answers; a restarting deployment may need a while.
        while (!_stopping.IsCancellationRequested)
        {
            var connection = Build(_servers[_server]);
            try
            {
                await connection.StartAsync(_stopping.Token);
                _connection = connection;
                var countReset = !(isFirst && _epoch is null);
                var page = await connection.InvokeAsync<FeedPage>(FeedHubProtocol.Subscribe, _feed, _epoch, _epoch is null ? null : _last, _stopping.Token);
                ApplyPage(page, countReset);
                _firstPage.TrySetResult();
                Drain();
                return;
            }
            catch (Exception exception) when (exception is HttpRequestException or AggregateException or IOException or HubException or InvalidOperationException
                                                  or System.Net.WebSockets.WebSocketException or TimeoutException)
            {
                _connection = null;
                await connection.DisposeAsync();
                _server = (_server + 1) % _servers.Count;
                await Task.Delay(200, _stopping.Token);
            }
        }
    }

    private HubConnection Build(Uri server)
    {
        var builder = new HubConnectionBuilder().WithUrl(new Uri(server, FeedHubProtocol.Path), options =>
        {
            options.Transports = _transport;
            options.SkipNegotiation = _transport == HttpTransportType.WebSockets;
        });
        if (_protocol == HubProtocolKind.MessagePack)
        {
            builder.AddMessagePackProtocol();
        }

        var connection = builder.Build();
        connection.On<FeedEvent>(FeedHubProtocol.FeedEvent, e => _inbox.Writer.TryWrite(new Received(connection, e)));
        connection.Closed += _ =>
        {
            _inbox.Writer.TryWrite(new Lost(connection));
            return Task.CompletedTask;
        };
        return connection;
    }

    private async Task OnEventAsync(FeedEvent feedEvent)
    {
        if (feedEvent.Feed != _feed)
        {
            return;
        }

        if (feedEvent.Epoch != _epoch)
        {
            // The feed's log may have been lost: ask again from our position; a changed epoch answers a reset,
            // an event left over from an older epoch changes nothing.
            try
            {
                var page = await _connection!.InvokeAsync<FeedPage>(FeedHubProtocol.Subscribe, _feed, _epoch, _last, _stopping.Token);
                ApplyPage(page, countReset: true);
                Drain();
            }
            catch (Exception exception) when (exception is IOException or HubException or InvalidOperationException)
            {
                // The connection is going: its Lost message reconnects and subscribes from our position.
            }

            return;
        }

        if (feedEvent.Sequence <= _last)
        {
            Duplicates++;
            return;
        }

        if (feedEvent.Sequence != _last + 1)
        {
            OutOfOrder++;
        }

        _held[feedEvent.Sequence] = feedEvent;
        Drain();
    }

    /// <summary>Applies held events while they follow on; schedules a gap check if one is left waiting.</summary>
    private void Drain()
    {
        while (_held.Count > 0)
        {
            var (sequence, next) = _held.First();
            if (sequence <= _last)
            {
                _held.Remove(sequence);
                Duplicates++;
                continue;
            }

            if (sequence != _last + 1)
            {
                break;
            }

            _held.Remove(sequence);
            Apply(next);
        }

        if (_held.Count > 0 && !_gapCheckPending)
        {
            _gapCheckPending = true;
            _ = Task.Delay(HoldTime, _stopping.Token).ContinueWith(_ => _inbox.Writer.TryWrite(GapCheck.Instance), TaskScheduler.Default);
        }
    }

    private async Task FillGapAsync()
    {
        // Fetch until nothing is missing below the held events (a page holds at most 1000 events).
        while (_held.Count > 0 && _held.Keys.First() > _last + 1 && !_stopping.IsCancellationRequested)
        {
            FeedPage? page;
            try
            {
                using var http = new HttpClient { BaseAddress = _servers[_server], Timeout = TimeSpan.FromSeconds(5) };
                page = await http.GetFromJsonAsync<FeedPage>(
                    $"/api/feeds/{_feed}/events?epoch={Uri.EscapeDataString(_epoch!)}&after={_last.ToString(CultureInfo.InvariantCulture)}",
                    _stopping.Token);
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
            {
                break;
            }

            GapFetches++;
            var before = _last;
            ApplyPage(page!, countReset: true);
            if (_last == before && !page!.Reset)
            {
                break;
            }
        }

        Drain();
    }

    private void ApplyPage(FeedPage page, bool countReset)
    {
        if (page.Reset)
        {
            if (countReset)
            {
                Resets++;
            }

            Volatile.Write(ref _epoch, page.Epoch);
            lock (_applied)
            {
                _applied.Clear();
            }

            Interlocked.Exchange(ref _last, page.Sequence);
            return;
        }

        foreach (var feedEvent in page.Events)
        {
            if (feedEvent.Sequence == _last + 1)
            {
                Apply(feedEvent);
            }
            else if (feedEvent.Sequence <= _last)
            {
                Duplicates++;
            }
        }
    }

    private void Apply(FeedEvent feedEvent)
    {
        lock (_applied)
        {
            _applied.Add(feedEvent);
        }

        Interlocked.Exchange(ref _last, feedEvent.Sequence);
    }

    private int HeldCount() => _held.Count;

    private sealed record Connect(bool IsFirst);

    private sealed record Lost(HubConnection Connection);

    private sealed record Received(HubConnection Connection, FeedEvent Event);

    private sealed class GapCheck
    {
        public static readonly GapCheck Instance = new();
    }
}
