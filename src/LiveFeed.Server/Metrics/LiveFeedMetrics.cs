using System.Diagnostics;
using System.Diagnostics.Metrics;
using LiveFeed.Contracts;
using LiveFeed.Server.Audience;
using LiveFeed.Server.Hubs;
using LiveFeed.Server.Limits;

namespace LiveFeed.Server.Metrics;

/// <summary>
/// LiveFeed's own meter (<see cref="MeterName"/>) and every instrument in it. The code where things
/// happen calls one method here; no other class creates an instrument. Prometheus names (as scraped at
/// <c>/metrics</c>) are in each instrument's comment and in docs/operations.md.
/// </summary>
internal sealed class LiveFeedMetrics
{
    public const string MeterName = "LiveFeed";

    // livefeed_events_published_total{feed, kind}
    private readonly Counter<long> _eventsPublished;

    // livefeed_publish_duration_seconds (histogram)
    private readonly Histogram<double> _publishDuration;

    // livefeed_messages_pushed_total
    private readonly Counter<long> _messagesPushed;

    // livefeed_readers_connected{transport}
    private readonly UpDownCounter<long> _readersConnected;

    // livefeed_subscribes_total, livefeed_resumes_total, livefeed_resets_total
    private readonly Counter<long> _subscribes;
    private readonly Counter<long> _resumes;
    private readonly Counter<long> _resets;

    // livefeed_store_errors_total{source}
    private readonly Counter<long> _storeErrors;

    // livefeed_connections_refused_total{reason}
    private readonly Counter<long> _connectionsRefused;

    // livefeed_readers_dropped_total and livefeed_reader_outbox_bytes are read from the readers' outboxes
    // when scraped (ReaderOutboxes keeps the counts; the outboxes are on every send's path).
    public LiveFeedMetrics(IMeterFactory meterFactory, ReaderOutboxes outboxes, ConnectionSetups setups, FeedAudience audience)
    {
        var meter = meterFactory.Create(MeterName);

        // livefeed_subscriptions: this instance's audience (FeedAudience), what it reports for GET /api/feeds/{feed}/audience.
        // No feed label: feed names are the newsroom's to make, without bound.
        meter.CreateObservableUpDownCounter(
            "livefeed.subscriptions", () => audience.Total, "{subscription}",
            "Feeds followed by the readers connected to this instance, hub connections and streams (a reader following 3 feeds counts 3): the audience this instance reports; summed over instances, every feed's audience.");
        meter.CreateObservableUpDownCounter(
            "livefeed.connection_setups", () => setups.InProgress, "{setup}",
            "Hub connections being set up on this instance now: negotiates being answered, and connections whose SignalR handshake is not done yet.");
        meter.CreateObservableCounter(
            "livefeed.readers.dropped", () => outboxes.DroppedReaders, "{reader}",
            "Readers this instance dropped for not keeping up (a send not taken within Limits:Readers:SendTimeout, or more than Limits:Readers:MaxBufferedBytes waiting); they reconnect and resume.");
        meter.CreateObservableUpDownCounter(
            "livefeed.reader_outbox.bytes", () => outboxes.BufferedBytes, "By",
            "Bytes queued for readers that fell behind their transport's buffer, not yet taken (0 while every reader keeps up).");
        _eventsPublished = meter.CreateCounter<long>(
            "livefeed.events.published", "{event}", "Events this instance stored and handed to the broadcast, by feed and kind (published, corrected, retracted).");
        _publishDuration = meter.CreateHistogram(
            "livefeed.publish.duration", "s", "Time from a POST reaching the publish handler to its event being stored and handed to the broadcast.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] });
        _messagesPushed = meter.CreateCounter<long>(
            "livefeed.messages.pushed", "{message}", "FeedEvent messages this instance sent to a feed's readers (one per event: SignalR writes it to every subscribed reader, on other instances through the backplane).");
        _readersConnected = meter.CreateUpDownCounter<long>(
            "livefeed.readers.connected", "{reader}", "Readers connected to this instance's hub, by transport.");
        _subscribes = meter.CreateCounter<long>(
            "livefeed.subscribes", "{subscribe}", "Subscribe calls answered by this instance's hub.");
        _resumes = meter.CreateCounter<long>(
            "livefeed.resumes", "{subscribe}", "Subscribe calls with a position answered with the events after it (the reader missed nothing).");
        _resets = meter.CreateCounter<long>(
            "livefeed.resets", "{subscribe}", "Subscribe calls with a position answered with a reset page (another epoch, older than the kept events, or ahead): the reader starts over.");
        _connectionsRefused = meter.CreateCounter<long>(
            "livefeed.connections.refused", "{connection}",
            "New hub connections refused, by reason: setups (429, the instance's set-ups in progress), address_setups (429, one address's set-ups in progress), readers (503, Limits:MaxReaderConnections), address_rate (429, Limits:NewConnections).");
        _storeErrors = meter.CreateCounter<long>(
            "livefeed.store.errors", "{error}", "Requests and hub calls that failed because the feed store could not be reached, by source (api, hub).");
    }

    /// <summary>A time stamp to pass to <see cref="Published"/>.</summary>
    public static long StartTimer() => Stopwatch.GetTimestamp();

    /// <summary>An event was stored and handed to the broadcast.</summary>
    public void EventStored(FeedEvent stored) =>
        _eventsPublished.Add(1, new KeyValuePair<string, object?>("feed", stored.Feed), new KeyValuePair<string, object?>("kind", KindName(stored.Kind)));

    /// <summary>A POST made a new event, stored and handed to the broadcast; <paramref name="started"/> from <see cref="StartTimer"/>.</summary>
    public void Published(long started) => _publishDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);

    /// <summary>The broadcast sent one event to its feed's readers.</summary>
    public void Pushed() => _messagesPushed.Add(1);

    public void ReaderConnected(string transport) => _readersConnected.Add(1, new KeyValuePair<string, object?>("transport", transport));

    public void ReaderDisconnected(string transport) => _readersConnected.Add(-1, new KeyValuePair<string, object?>("transport", transport));

    /// <summary>A Subscribe was answered with <paramref name="page"/>.</summary>
    /// <param name="page">The answer.</param>
    /// <param name="hadPosition">The reader gave a position (it is resuming).</param>
    public void Subscribed(FeedPage page, bool hadPosition)
    {
        _subscribes.Add(1);
        if (hadPosition)
        {
            (page.Reset ? _resets : _resumes).Add(1);
        }
    }

    /// <summary>The store could not be reached; <paramref name="source"/> is <c>api</c> or <c>hub</c>.</summary>
    public void StoreError(string source) => _storeErrors.Add(1, new KeyValuePair<string, object?>("source", source));

    /// <summary>A new hub connection was refused; the reasons are a fixed few, so the label stays small.</summary>
    public void ConnectionRefused(ConnectionRefusal reason) => _connectionsRefused.Add(1, new KeyValuePair<string, object?>("reason", reason switch
    {
        ConnectionRefusal.Setups => "setups",
        ConnectionRefusal.AddressSetups => "address_setups",
        ConnectionRefusal.Readers => "readers",
        ConnectionRefusal.AddressRate => "address_rate",
        _ => "other",
    }));

    private static string KindName(FeedEventKind kind) => kind switch
    {
        FeedEventKind.Published => "published",
        FeedEventKind.Corrected => "corrected",
        FeedEventKind.Retracted => "retracted",
        _ => "other",
    };
}

/// <summary>Why a new hub connection was refused (the <c>reason</c> of <c>livefeed_connections_refused_total</c>).</summary>
internal enum ConnectionRefusal
{
    /// <summary>Too many connection set-ups in progress on the instance (429).</summary>
    Setups,

    /// <summary>Too many connection set-ups in progress from the client's address (429).</summary>
    AddressSetups,

    /// <summary>The instance has <c>Limits:MaxReaderConnections</c> readers (503).</summary>
    Readers,

    /// <summary>The client address's <c>Limits:NewConnections</c> bucket is empty (429).</summary>
    AddressRate,
}
