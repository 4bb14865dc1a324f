using System.Threading.Channels;
using LiveFeed.Client;
using LiveFeed.Contracts;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace LiveFeed.Tests.Infrastructure;

/// <summary>
/// A reader that follows one feed by the contract's client rule (docs/contract.md, "Order, gaps and
/// duplicates"), applied by the client library's <see cref="FeedTracker"/>, over the official SignalR
/// client. What is its own: it connects to a list of servers, and when a connection is lost it connects
/// to the next one and subscribes from its position; it chooses the protocol and the transport; and it
/// keeps what tests read (the applied events, the position, the counters).
/// Everything happens on one loop, so the tracker needs no lock; tests read snapshots.
/// </summary>
public sealed class FeedFollower : IAsyncDisposable
{
    public static readonly TimeSpan HoldTime = TimeSpan.FromSeconds(1);

    // The follower keeps no items, only events: the tracker's list just needs a bound.
    private const int MaxItems = 100;

    private readonly string _feed;
    private readonly IReadOnlyList<Uri> _servers;
    private readonly HubProtocolKind _protocol;
    private readonly HttpTransportType _transport;
    private readonly FeedTracker _tracker;
    private readonly Channel<object> _inbox = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
    private readonly List<FeedEvent> _applied = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _firstPage = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _loop;
    private HubConnection? _connection;
    private HttpClient? _http;
    private HubFeedSource? _source;
    private int _server;
    private string? _epoch;
    private long _last;
    private DateTimeOffset? _resubscribeAt;

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
        _tracker = new FeedTracker(feed, new CurrentSource(this), HoldTime, TimeProvider.System, MaxItems);
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Starts over from a page the reader received: how many times after the first.</summary>
    public int Resets => _tracker.Resets;

    /// <summary>Gaps filled from <c>GET .../events</c> (pages fetched).</summary>
    public int GapFetches => _tracker.GapFetches;

    /// <summary>Connections made after the first (a server died).</summary>
    public int Reconnects { get; private set; }

    /// <summary>Events that arrived ahead of a missing one and were held.</summary>
    public int OutOfOrder => _tracker.OutOfOrder;

    /// <summary>Events dropped because they were already applied.</summary>
    public int Duplicates => _tracker.Duplicates;

    public string? Epoch => Volatile.Read(ref _epoch);

    /// <summary>The last applied sequence; set after <see cref="Applied"/> holds the event.</summary>
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
    public async Task StartAsync()
    {
        _inbox.Writer.TryWrite(new Connect());
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
                    $"(held {_tracker.HeldCount}, resets {Resets}, gap fetches {GapFetches}, reconnects {Reconnects}, loop {_loop.Status}: {_loop.Exception?.GetBaseException().Message}).");
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

        await DropConnectionAsync();
        _stopping.Dispose();
    }

    private async Task RunAsync()
    {
        var stopping = _stopping.Token;
        while (await WaitForInputOrDeadlineAsync(stopping))
        {
            while (_inbox.Reader.TryRead(out var message))
            {
                switch (message)
                {
                    case Connect:
                        await ConnectAsync();
                        break;
                    case Lost lost when ReferenceEquals(lost.Connection, _connection):
                        Reconnects++;
                        _server = (_server + 1) % _servers.Count;
                        await ConnectAsync();
                        break;
                    case Received received when ReferenceEquals(received.Connection, _connection):
                        await StepAsync(() => _tracker.ReceiveAsync(received.Event, stopping));
                        break;
                }
            }

            var now = TimeProvider.System.GetUtcNow();
            if (_resubscribeAt <= now && _connection is not null)
            {
                _resubscribeAt = null;
                await StepAsync(() => _tracker.SubscribeAsync(resume: true, stopping));
            }
            else if (_tracker.GapDeadline <= now)
            {
                await StepAsync(() => _tracker.FillGapAsync(stopping));
            }
        }
    }

    // False when the inbox is completed (disposed).
    private async Task<bool> WaitForInputOrDeadlineAsync(CancellationToken stopping)
    {
        var deadline = _tracker.GapDeadline;
        if (_resubscribeAt is { } resubscribeAt && (deadline is null || resubscribeAt < deadline))
        {
            deadline = resubscribeAt;
        }

        if (deadline is null)
        {
            return await _inbox.Reader.WaitToReadAsync(stopping);
        }

        var delay = deadline.Value - TimeProvider.System.GetUtcNow();
        if (delay <= TimeSpan.Zero)
        {
            return true;
        }

        using var timer = new CancellationTokenSource(delay);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(stopping, timer.Token);
        try
        {
            return await _inbox.Reader.WaitToReadAsync(either.Token);
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            return true;
        }
    }

    private async Task ConnectAsync()
    {
        // Try each server in turn until one answers; a restarting deployment may need a while.
        while (!_stopping.IsCancellationRequested)
        {
            await DropConnectionAsync();
            var server = _servers[_server];
            var connection = Build(server);
            try
            {
                await connection.StartAsync(_stopping.Token);
                _connection = connection;
                _http = new HttpClient { BaseAddress = server, Timeout = TimeSpan.FromSeconds(5) };
                // No retries: a dead server is left for the next one, not waited for.
                _source = new HubFeedSource(connection, new NewsroomClient(_http, new NewsroomClientOptions { MaxRetries = 0 }));
                _resubscribeAt = null;
                Publish(await _tracker.SubscribeAsync(resume: true, _stopping.Token));
                _firstPage.TrySetResult();
                return;
            }
            catch (Exception exception) when (exception is HttpRequestException or AggregateException or IOException or HubException or InvalidOperationException
                                                  or System.Net.WebSockets.WebSocketException or TimeoutException)
            {
                if (_connection is null)
                {
                    await connection.DisposeAsync();
                }

                _server = (_server + 1) % _servers.Count;
                await Task.Delay(200, _stopping.Token);
            }
        }
    }

    private async Task DropConnectionAsync()
    {
        var connection = _connection;
        _connection = null;
        _source = null;
        _http?.Dispose();
        _http = null;
        if (connection is not null)
        {
            await connection.DisposeAsync();
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

    /// <summary>Runs one step of the tracker and publishes what it applied.</summary>
    private async Task StepAsync(Func<Task<IReadOnlyList<FeedUpdate>>> step)
    {
        try
        {
            Publish(await step());
        }
        catch (Exception exception) when (exception is HttpRequestException or IOException or HubException or InvalidOperationException
                                              or TaskCanceledException or LiveFeedApiException && !_stopping.IsCancellationRequested)
        {
            // A failed gap fetch is tried again at the tracker's next deadline. A failed Subscribe (starting
            // over) is tried again soon, or by the reconnect if the connection is going.
            if (_tracker.GapDeadline is null)
            {
                _resubscribeAt = TimeProvider.System.GetUtcNow() + HoldTime;
            }
        }
    }

    /// <summary>Copies what the tracker applied to what tests read: the events first, then the position.</summary>
    private void Publish(IReadOnlyList<FeedUpdate> updates)
    {
        lock (_applied)
        {
            foreach (var update in updates)
            {
                if (update.IsReset)
                {
                    _applied.Clear();
                }
                else
                {
                    _applied.Add(update.Event);
                }
            }
        }

        Volatile.Write(ref _epoch, _tracker.Epoch);
        Interlocked.Exchange(ref _last, _tracker.Sequence);
    }

    /// <summary>The tracker's source: the hub and the API of the server connected now.</summary>
    private sealed class CurrentSource(FeedFollower follower) : IFeedSource
    {
        public Task<FeedPage> SubscribeAsync(string feed, string? epoch, long? sequence, CancellationToken cancellationToken) =>
            Source.SubscribeAsync(feed, epoch, sequence, cancellationToken);

        public Task<FeedPage> ReadEventsAsync(string feed, string epoch, long after, CancellationToken cancellationToken) =>
            Source.ReadEventsAsync(feed, epoch, after, cancellationToken);

        private HubFeedSource Source => follower._source ?? throw new InvalidOperationException("Not connected.");
    }

    private sealed record Connect;

    private sealed record Lost(HubConnection Connection);

    private sealed record Received(HubConnection Connection, FeedEvent Event);
}
