namespace LiveFeed.Client;

/// <summary>Where a <see cref="LiveFeedReader"/>'s connection to the server stands.</summary>
public enum LiveFeedConnectionState
{
    /// <summary>Not connected yet: <see cref="LiveFeedReader.StartAsync"/> is running or has not been called.</summary>
    Connecting,

    /// <summary>Connected, and every feed is subscribed: events arrive as they happen.</summary>
    Live,

    /// <summary>The connection was lost; the reader retries until it is back, then catches up every feed.</summary>
    Reconnecting,

    /// <summary>Stopped: the first connection failed, or the reader was disposed.</summary>
    Offline,
}

/// <summary>The arguments of <see cref="LiveFeedReader.StateChanged"/>.</summary>
/// <param name="previous">The state before the change.</param>
/// <param name="current">The state after the change.</param>
/// <param name="exception">What made the connection drop, when known.</param>
public sealed class LiveFeedConnectionStateChangedEventArgs(
    LiveFeedConnectionState previous, LiveFeedConnectionState current, Exception? exception) : EventArgs
{
    /// <summary>The state before the change.</summary>
    public LiveFeedConnectionState Previous { get; } = previous;

    /// <summary>The state after the change.</summary>
    public LiveFeedConnectionState Current { get; } = current;

    /// <summary>What made the connection drop, when known.</summary>
    public Exception? Exception { get; } = exception;
}
