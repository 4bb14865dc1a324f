using LiveFeed.Contracts;

namespace LiveFeed.Server.Logging;

/// <summary>Every log line LiveFeed writes itself, source-generated. Never log a newsroom key (only its name).</summary>
internal static partial class LiveFeedLog
{
    [LoggerMessage(1, LogLevel.Information, "Published {Feed} #{Sequence} item {ItemId} by {Author}")]
    public static partial void Published(ILogger logger, string feed, long sequence, string itemId, string author);

    [LoggerMessage(2, LogLevel.Information, "Corrected {Feed} #{Sequence} item {ItemId} by {Author}")]
    public static partial void Corrected(ILogger logger, string feed, long sequence, string itemId, string author);

    [LoggerMessage(3, LogLevel.Information, "Retracted {Feed} #{Sequence} item {ItemId} by {Author}")]
    public static partial void Retracted(ILogger logger, string feed, long sequence, string itemId, string author);

    [LoggerMessage(4, LogLevel.Information, "Idempotent retry on {Feed} answered with item {ItemId} for {Author}")]
    public static partial void IdempotentReplay(ILogger logger, string feed, string itemId, string author);

    [LoggerMessage(10, LogLevel.Debug, "Reader {ConnectionId} connected over {Transport}")]
    public static partial void ReaderConnected(ILogger logger, string connectionId, string? transport);

    [LoggerMessage(11, LogLevel.Debug, "Reader {ConnectionId} disconnected")]
    public static partial void ReaderDisconnected(ILogger logger, string connectionId, Exception? exception);

    [LoggerMessage(12, LogLevel.Debug, "Reader {ConnectionId} subscribed to {Feed}: {Answer} at #{Sequence}")]
    public static partial void Subscribed(ILogger logger, string connectionId, string feed, string answer, long sequence);

    [LoggerMessage(13, LogLevel.Information, "Dropped reader {ConnectionId}: {Reason}; it resumes from its position when it reconnects")]
    public static partial void ReaderDropped(ILogger logger, string connectionId, string reason);

    [LoggerMessage(14, LogLevel.Debug, "Refused {HubMethod} from reader {ConnectionId}: {Reason}")]
    public static partial void HubCallRefused(ILogger logger, string hubMethod, string connectionId, string reason);

    [LoggerMessage(15, LogLevel.Debug, "Refused reader {ConnectionId}: {Reason}")]
    public static partial void ReaderRefused(ILogger logger, string connectionId, string reason);

    [LoggerMessage(16, LogLevel.Debug, "Stream {ReaderId} of {Feed} opened: {Answer} at #{Sequence}")]
    public static partial void StreamOpened(ILogger logger, string readerId, string feed, string answer, long sequence);

    [LoggerMessage(17, LogLevel.Debug, "Stream {ReaderId} closed")]
    public static partial void StreamClosed(ILogger logger, string readerId);

    [LoggerMessage(22, LogLevel.Warning, "The streams of {Feed} cannot read the store after #{Sequence} to fill a gap; trying again")]
    public static partial void StreamFillFailed(ILogger logger, string feed, long sequence, Exception exception);

    [LoggerMessage(23, LogLevel.Information, "The streams of {Feed} start over at {Epoch} #{Sequence}: the feed's log can no longer be followed event by event")]
    public static partial void StreamsReset(ILogger logger, string feed, string epoch, long sequence);

    [LoggerMessage(24, LogLevel.Debug, "Could not relay {Feed} #{Sequence} to the other instances; their streams read it from the store")]
    public static partial void RelayFailed(ILogger logger, string feed, long sequence, Exception exception);

    [LoggerMessage(25, LogLevel.Warning, "A message on the stored events channel is not a FeedEvent (another version, or not LiveFeed's): ignored")]
    public static partial void RelayUnreadable(ILogger logger, Exception exception);

    [LoggerMessage(20, LogLevel.Error, "Broadcasting {Feed} #{Sequence} failed; readers will recover it on resume")]
    public static partial void BroadcastFailed(ILogger logger, string feed, long sequence, Exception exception);

    [LoggerMessage(21, LogLevel.Trace, "Broadcast {Feed} #{Sequence} ({Kind})")]
    public static partial void Broadcast(ILogger logger, string feed, long sequence, FeedEventKind kind);

    [LoggerMessage(30, LogLevel.Warning, "The feed store cannot be reached: {Operation} answered 503")]
    public static partial void StoreUnavailable(ILogger logger, string operation, Exception exception);

    [LoggerMessage(31, LogLevel.Error, "Lost the connection to Redis at {EndPoint} ({ConnectionType}, {FailureType}): writes answer 503 and /health/ready fails until it is back")]
    public static partial void RedisConnectionLost(ILogger logger, string? endPoint, StackExchange.Redis.ConnectionType connectionType, StackExchange.Redis.ConnectionFailureType failureType, Exception? exception);

    [LoggerMessage(32, LogLevel.Information, "The connection to Redis at {EndPoint} ({ConnectionType}) is back")]
    public static partial void RedisConnectionRestored(ILogger logger, string? endPoint, StackExchange.Redis.ConnectionType connectionType);

    [LoggerMessage(33, LogLevel.Error, "Redis at {EndPoints} cannot be reached at start: LiveFeed starts anyway and keeps trying")]
    public static partial void RedisUnreachableAtStart(ILogger logger, string endPoints);

    [LoggerMessage(50, LogLevel.Information, "Shutting down: closing {Readers} readers spread over {Window}; new readers are refused and /health/ready answers 503")]
    public static partial void DrainStarted(ILogger logger, int readers, TimeSpan window);

    [LoggerMessage(51, LogLevel.Information, "Drain over: {Asked} readers asked to close, {Left} still open, after {Elapsed}")]
    public static partial void DrainEnded(ILogger logger, int asked, int left, TimeSpan elapsed);

    [LoggerMessage(40, LogLevel.Warning, "Development newsroom key (name '{KeyName}', for this run only): {DevelopmentKey}")]
    public static partial void DevelopmentKey(ILogger logger, string keyName, string developmentKey);

    [LoggerMessage(41, LogLevel.Warning, "No newsroom key is configured (Newsroom:ApiKeys): every write will answer 401")]
    public static partial void NoNewsroomKeys(ILogger logger);

    [LoggerMessage(26, LogLevel.Debug, "Could not report this instance's readers to Redis; the next report tries again")]
    public static partial void AudienceNotReported(ILogger logger, Exception exception);

    [LoggerMessage(42, LogLevel.Information, "Newsroom keys read again after a configuration change: {Keys} keys, {Scoped} of them scoped")]
    public static partial void NewsroomKeysReloaded(ILogger logger, int keys, int scoped);

    [LoggerMessage(43, LogLevel.Error, "Newsroom keys not read again, the previous keys stay in force: {Failures}")]
    public static partial void NewsroomKeysNotReloaded(ILogger logger, string failures);
}
