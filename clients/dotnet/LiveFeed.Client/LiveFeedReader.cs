using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using LiveFeed.Contracts;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace LiveFeed.Client;

/// <summary>
/// Reads feeds live from a LiveFeed server. It subscribes to each feed, and turns what the hub pushes
/// into an ordered stream without gaps or duplicates (<see cref="ReadUpdatesAsync"/>), plus each feed's
/// current items (<see cref="GetItems"/>). When the connection drops it reconnects for ever and resumes every
/// feed from the last event it applied; a server that lost its log (a new epoch) makes the feed start over
/// with a reset. Reconnects back off exponentially with random waits (the first within 1 s, then up to
/// <see cref="LiveFeedReaderOptions.MaxReconnectDelay"/>), never sooner than a 429's or 503's <c>Retry-After</c>,
/// and start from the first wait again only once a Subscribe has been answered.
/// </summary>
/// <example>
/// <code>
/// await using var reader = new LiveFeedReader(new Uri("http://localhost:5180"));
/// await reader.StartAsync();
/// await reader.SubscribeAsync("main");
/// await foreach (var feedEvent in reader.ReadEventsAsync(cancellationToken))
///     Console.WriteLine($"{feedEvent.Kind}: {feedEvent.Item.Headline}");
/// </code>
/// </example>
public sealed class LiveFeedReader : IAsyncDisposable
{
    // A refused or failed Subscribe (store down, connection not back yet) is tried again after this.
    private static readonly TimeSpan SubscribeRetryDelay = TimeSpan.FromSeconds(1);

    private readonly LiveFeedReaderOptions _options;
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly HubConnection _connection;
    private readonly IFeedSource _source;
    private readonly ReconnectPolicy _reconnectPolicy;
    private readonly Channel<Input> _inputs = Channel.CreateUnbounded<Input>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Channel<FeedUpdate> _updates = Channel.CreateUnbounded<FeedUpdate>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly ConcurrentDictionary<string, IReadOnlyList<FeedItem>> _items = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _stateLock = new();

    // Owned by the loop: only RunLoopAsync and what it calls touch these.
    private readonly Dictionary<string, Subscription> _subscriptions = new(StringComparer.Ordinal);

    private LiveFeedConnectionState _state = LiveFeedConnectionState.Connecting;
    private Task _loop = Task.CompletedTask;
    private Task _restart = Task.CompletedTask;
    private int _started;
    private int _disposed;

    /// <summary>Creates a reader of the LiveFeed server at <paramref name="server"/> (e.g. http://localhost:5180). Call <see cref="StartAsync"/> next.</summary>
    public LiveFeedReader(Uri server, LiveFeedReaderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(server);
        _options = options ?? new LiveFeedReaderOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxItemsPerFeed, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(_options.MaxReconnectDelay, TimeSpan.Zero, nameof(options));
        var baseAddress = server.AbsoluteUri.EndsWith('/') ? server : new Uri(server.AbsoluteUri + "/");
        _ownsHttp = _options.HttpClient is null;
        _http = _options.HttpClient ?? new HttpClient { BaseAddress = baseAddress };
        _reconnectPolicy = new ReconnectPolicy(_options.MaxReconnectDelay, _options.TimeProvider, Random.Shared.NextDouble);

        var builder = new HubConnectionBuilder()
            .WithUrl(new Uri(baseAddress, FeedHubProtocol.Path.TrimStart('/')), connection => connection.HttpMessageHandlerFactory = _reconnectPolicy.HearRetryAfter)
            .WithAutomaticReconnect(_reconnectPolicy);
        if (_options.Protocol == LiveFeedProtocol.MessagePack)
        {
            builder.AddMessagePackProtocol();
        }

        _connection = builder.Build();
        _connection.On<FeedEvent>(FeedHubProtocol.FeedEvent, OnFeedEvent);
        _connection.Reconnecting += exception =>
        {
            SetState(LiveFeedConnectionState.Reconnecting, exception);
            return Task.CompletedTask;
        };
        _connection.Reconnected += _ =>
        {
            _inputs.Writer.TryWrite(new Reconnected());
            return Task.CompletedTask;
        };
        _connection.Closed += OnClosed;
        _source = new HubFeedSource(_connection, new NewsroomClient(_http));
    }

    /// <summary>Raised when <see cref="State"/> changes. Handlers run on the reader's threads: keep them short.</summary>
    public event EventHandler<LiveFeedConnectionStateChangedEventArgs>? StateChanged;

    /// <summary>Where the connection stands now.</summary>
    public LiveFeedConnectionState State
    {
        get
        {
            lock (_stateLock)
            {
                return _state;
            }
        }
    }

    /// <summary>The feeds this reader follows.</summary>
    public IReadOnlyCollection<string> Feeds => [.. _items.Keys];

    /// <summary>
    /// Connects to the server. Fails (and the state becomes <see cref="LiveFeedConnectionState.Offline"/>)
    /// when the server cannot be reached; once connected, later losses are retried for ever.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("The reader is already started.");
        }

        _loop = Task.Run(RunLoopAsync, CancellationToken.None);
        try
        {
            await _connection.StartAsync(cancellationToken);
        }
        catch (Exception exception)
        {
            SetState(LiveFeedConnectionState.Offline, exception);
            throw;
        }

        SetState(LiveFeedConnectionState.Live);
    }

    /// <summary>
    /// Follows <paramref name="feed"/>: answers its current items (newest first) once the server has answered.
    /// From then on its events come in <see cref="ReadUpdatesAsync"/>. Subscribing to a followed feed again
    /// answers its items.
    /// </summary>
    /// <exception cref="ArgumentException">The name breaks the feed naming rule.</exception>
    /// <exception cref="InvalidOperationException">The reader is not started, or already follows 20 feeds.</exception>
    /// <exception cref="HubException">The server refused the subscription.</exception>
    public async Task<IReadOnlyList<FeedItem>> SubscribeAsync(string feed, CancellationToken cancellationToken = default)
    {
        if (!FeedName.IsValid(feed))
        {
            throw new ArgumentException($"'{feed}' is not a feed name: use {FeedName.Rule}.", nameof(feed));
        }

        var done = Post(feed, (name, completion) => new SubscribeRequest(name, completion));
        return await done.WaitAsync(cancellationToken);
    }

    /// <summary>Stops following <paramref name="feed"/>; its items are forgotten.</summary>
    public async Task UnsubscribeAsync(string feed, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(feed);
        var done = Post(feed, (name, completion) => new UnsubscribeRequest(name, completion));
        await done.WaitAsync(cancellationToken);
    }

    /// <summary>The current items of a followed feed, newest first; empty for a feed not followed.</summary>
    public IReadOnlyList<FeedItem> GetItems(string feed) =>
        _items.TryGetValue(feed, out var items) ? items : [];

    /// <summary>
    /// Every update the reader applies, from its start, in order: per feed a reset (its items as the
    /// server answered them) and then each event once, without gaps. Read it from one place only: the
    /// updates are kept until they are read. Ends when the reader is disposed.
    /// </summary>
    public IAsyncEnumerable<FeedUpdate> ReadUpdatesAsync(CancellationToken cancellationToken = default) =>
        _updates.Reader.ReadAllAsync(cancellationToken);

    /// <summary>The events of <see cref="ReadUpdatesAsync"/>, without the resets.</summary>
    public async IAsyncEnumerable<FeedEvent> ReadEventsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var update in ReadUpdatesAsync(cancellationToken))
        {
            if (!update.IsReset)
            {
                yield return update.Event;
            }
        }
    }

    /// <summary>Closes the connection, ends the update stream and fails any subscription still waiting.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync();
        _inputs.Writer.TryComplete();
        await _connection.DisposeAsync();
        await _loop;
        await Volatile.Read(ref _restart);
        while (_inputs.Reader.TryRead(out var input))
        {
            (input as Request)?.Done.TrySetException(new ObjectDisposedException(nameof(LiveFeedReader)));
        }

        _updates.Writer.TryComplete();
        if (_ownsHttp)
        {
            _http.Dispose();
        }

        SetState(LiveFeedConnectionState.Offline);
        _stopping.Dispose();
    }

    private Task<IReadOnlyList<FeedItem>> Post(string feed, Func<string, TaskCompletionSource<IReadOnlyList<FeedItem>>, Input> create)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (Volatile.Read(ref _started) == 0)
        {
            throw new InvalidOperationException("Call StartAsync before subscribing.");
        }

        var done = new TaskCompletionSource<IReadOnlyList<FeedItem>>(TaskCreationOptions.RunContinuationsAsynchronously);
        ObjectDisposedException.ThrowIf(!_inputs.Writer.TryWrite(create(feed, done)), this);

        return done.Task;
    }

    private void OnFeedEvent(FeedEvent feedEvent)
    {
        if (_options.IncomingEventFilter is { } filter)
        {
            foreach (var passed in filter(feedEvent))
            {
                _inputs.Writer.TryWrite(new EventArrived(passed));
            }
        }
        else
        {
            _inputs.Writer.TryWrite(new EventArrived(feedEvent));
        }
    }

    private Task OnClosed(Exception? exception)
    {
        if (_stopping.IsCancellationRequested)
        {
            SetState(LiveFeedConnectionState.Offline, exception);
            return Task.CompletedTask;
        }

        // Automatic reconnect gave up or was not offered (the server closed without allowing it): keep trying.
        SetState(LiveFeedConnectionState.Reconnecting, exception);
        Volatile.Write(ref _restart, Task.Run(RestartAsync, CancellationToken.None));
        return Task.CompletedTask;
    }

    private async Task RestartAsync()
    {
        while (true)
        {
            try
            {
                await Task.Delay(_reconnectPolicy.NextDelay(), _options.TimeProvider, _stopping.Token);
                await _connection.StartAsync(_stopping.Token);
                _inputs.Writer.TryWrite(new Reconnected());
                return;
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is HttpRequestException or System.Net.WebSockets.WebSocketException or InvalidOperationException or IOException or TimeoutException)
            {
                // Still unreachable: try again after the next delay.
            }
        }
    }

    private async Task RunLoopAsync()
    {
        var stopping = _stopping.Token;
        try
        {
            while (true)
            {
                if (!await WaitForInputOrDeadlineAsync(stopping))
                {
                    return;
                }

                while (_inputs.Reader.TryRead(out var input))
                {
                    await HandleAsync(input, stopping);
                }

                await RunDueWorkAsync(stopping);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Disposed.
        }
        finally
        {
            foreach (var subscription in _subscriptions.Values)
            {
                foreach (var waiter in subscription.Waiters)
                {
                    waiter.TrySetException(new ObjectDisposedException(nameof(LiveFeedReader)));
                }
            }

            _updates.Writer.TryComplete();
        }
    }

    // False when the inputs are completed (disposed).
    private async Task<bool> WaitForInputOrDeadlineAsync(CancellationToken stopping)
    {
        var deadline = NextDeadline();
        if (deadline is null)
        {
            return await _inputs.Reader.WaitToReadAsync(stopping);
        }

        var delay = deadline.Value - _options.TimeProvider.GetUtcNow();
        if (delay <= TimeSpan.Zero)
        {
            return true;
        }

        using var timer = new CancellationTokenSource(delay, _options.TimeProvider);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(stopping, timer.Token);
        try
        {
            return await _inputs.Reader.WaitToReadAsync(either.Token);
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            return true;
        }
    }

    private DateTimeOffset? NextDeadline()
    {
        DateTimeOffset? next = null;
        foreach (var subscription in _subscriptions.Values)
        {
            foreach (var deadline in new[] { subscription.Tracker.GapDeadline, subscription.RetryAt })
            {
                if (deadline is not null && (next is null || deadline < next))
                {
                    next = deadline;
                }
            }
        }

        return next;
    }

    private async Task HandleAsync(Input input, CancellationToken stopping)
    {
        switch (input)
        {
            case EventArrived(var feedEvent) when _subscriptions.TryGetValue(feedEvent.Feed, out var subscription):
                await StepAsync(subscription, tracker => tracker.ReceiveAsync(feedEvent, stopping), stopping);
                break;

            case SubscribeRequest(var feed, var done):
                if (_subscriptions.TryGetValue(feed, out var existing))
                {
                    if (existing.Tracker.Epoch is null)
                    {
                        existing.Waiters.Add(done);
                    }
                    else
                    {
                        done.TrySetResult(existing.Tracker.Items);
                    }
                }
                else if (_subscriptions.Count >= FeedHubProtocol.MaxFeedsPerConnection)
                {
                    done.TrySetException(new InvalidOperationException(
                        $"A reader follows at most {FeedHubProtocol.MaxFeedsPerConnection} feeds: unsubscribe from one before subscribing to '{feed}'."));
                }
                else
                {
                    var tracker = new FeedTracker(feed, _source, _options.GapTimeout, _options.TimeProvider, _options.MaxItemsPerFeed);
                    var subscription = new Subscription(tracker);
                    subscription.Waiters.Add(done);
                    _subscriptions[feed] = subscription;
                    _items[feed] = tracker.Items;
                    await SubscribeOneAsync(subscription, stopping);
                }

                break;

            case UnsubscribeRequest(var feed, var done):
                if (_subscriptions.Remove(feed, out var removed))
                {
                    _items.TryRemove(feed, out _);
                    foreach (var waiter in removed.Waiters)
                    {
                        waiter.TrySetCanceled(CancellationToken.None);
                    }

                    try
                    {
                        await _connection.InvokeAsync(FeedHubProtocol.Unsubscribe, feed, stopping);
                    }
                    catch (Exception exception) when (exception is not OperationCanceledException)
                    {
                        // Not connected: the next connection does not subscribe to it anyway.
                    }
                }

                done.TrySetResult([]);
                break;

            case Reconnected:
                // A new connection has no subscriptions: subscribe every feed again from where it stands.
                foreach (var subscription in _subscriptions.Values)
                {
                    subscription.Subscribed = false;
                }

                foreach (var subscription in _subscriptions.Values.ToList())
                {
                    await SubscribeOneAsync(subscription, stopping);
                }

                UpdateLiveState();
                break;
        }
    }

    private async Task RunDueWorkAsync(CancellationToken stopping)
    {
        var now = _options.TimeProvider.GetUtcNow();
        foreach (var subscription in _subscriptions.Values.ToList())
        {
            if (subscription.RetryAt <= now)
            {
                await SubscribeOneAsync(subscription, stopping);
            }
            else if (subscription.Tracker.GapDeadline <= now)
            {
                await StepAsync(subscription, tracker => tracker.FillGapAsync(stopping), stopping);
            }
        }
    }

    private async Task SubscribeOneAsync(Subscription subscription, CancellationToken stopping)
    {
        var tracker = subscription.Tracker;
        try
        {
            Publish(tracker, await tracker.SubscribeAsync(resume: true, stopping));
            // Only now is the connection known to serve: one that is accepted and then dropped keeps the waits growing.
            _reconnectPolicy.Healthy();
            subscription.Subscribed = true;
            subscription.RetryAt = null;
            foreach (var waiter in subscription.Waiters)
            {
                waiter.TrySetResult(tracker.Items);
            }

            subscription.Waiters.Clear();
            UpdateLiveState();
        }
        catch (HubException exception) when (tracker.Epoch is null && subscription.Waiters.Count > 0)
        {
            // The server refused a new subscription: the caller learns why; nothing is kept.
            _subscriptions.Remove(tracker.Feed);
            _items.TryRemove(tracker.Feed, out _);
            foreach (var waiter in subscription.Waiters)
            {
                waiter.TrySetException(exception);
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !stopping.IsCancellationRequested)
        {
            // Not connected right now, or the store is down: try again soon (and at once on reconnect).
            subscription.Subscribed = false;
            subscription.RetryAt = _options.TimeProvider.GetUtcNow() + SubscribeRetryDelay;
        }
    }

    private async Task StepAsync(Subscription subscription, Func<FeedTracker, Task<IReadOnlyList<FeedUpdate>>> step, CancellationToken stopping)
    {
        try
        {
            Publish(subscription.Tracker, await step(subscription.Tracker));
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !stopping.IsCancellationRequested)
        {
            // A start-over Subscribe or a gap fetch failed. The tracker keeps its position (and a failed
            // gap fetch its new deadline); a failed Subscribe is tried again soon.
            if (subscription.Tracker.GapDeadline is null)
            {
                subscription.Subscribed = false;
                subscription.RetryAt = _options.TimeProvider.GetUtcNow() + SubscribeRetryDelay;
            }
        }
    }

    private void Publish(FeedTracker tracker, IReadOnlyList<FeedUpdate> updates)
    {
        foreach (var update in updates)
        {
            _updates.Writer.TryWrite(update);
        }

        if (_subscriptions.ContainsKey(tracker.Feed))
        {
            _items[tracker.Feed] = tracker.Items;
        }
    }

    private void UpdateLiveState()
    {
        if (_connection.State == HubConnectionState.Connected && _subscriptions.Values.All(subscription => subscription.Subscribed))
        {
            SetState(LiveFeedConnectionState.Live);
        }
    }

    private void SetState(LiveFeedConnectionState state, Exception? exception = null)
    {
        LiveFeedConnectionState previous;
        lock (_stateLock)
        {
            previous = _state;
            if (previous == state || (previous == LiveFeedConnectionState.Offline && Volatile.Read(ref _disposed) != 0))
            {
                return;
            }

            _state = state;
        }

        StateChanged?.Invoke(this, new LiveFeedConnectionStateChangedEventArgs(previous, state, exception));
    }

    private sealed class Subscription(FeedTracker tracker)
    {
        public FeedTracker Tracker { get; } = tracker;

        /// <summary>Subscribed on the current connection.</summary>
        public bool Subscribed { get; set; }

        /// <summary>When a failed Subscribe is tried again.</summary>
        public DateTimeOffset? RetryAt { get; set; }

        /// <summary>Callers of SubscribeAsync waiting for the first page.</summary>
        public List<TaskCompletionSource<IReadOnlyList<FeedItem>>> Waiters { get; } = [];
    }

    private abstract record Input;

    private abstract record Request(TaskCompletionSource<IReadOnlyList<FeedItem>> Done) : Input;

    private sealed record EventArrived(FeedEvent Event) : Input;

    private sealed record SubscribeRequest(string Feed, TaskCompletionSource<IReadOnlyList<FeedItem>> Done) : Request(Done);

    private sealed record UnsubscribeRequest(string Feed, TaskCompletionSource<IReadOnlyList<FeedItem>> Done) : Request(Done);

    private sealed record Reconnected : Input;
}
