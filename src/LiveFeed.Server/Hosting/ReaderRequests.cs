using LiveFeed.Server.Cors;
using LiveFeed.Server.Hubs;
using LiveFeed.Server.Streams;

namespace LiveFeed.Server.Hosting;

/// <summary>The requests that are readers: hub connections and Server-Sent Events streams.</summary>
internal static class ReaderRequests
{
    /// <summary>A request that stays open as long as its reader does.</summary>
    public static bool IsReaderConnection(HttpRequest request) => FeedHubHosting.IsHubConnection(request) || FeedStreamsApi.IsStream(request);

    /// <summary>
    /// A hub connection's WebSocket: nearly every reader. It is one request for as long as its reader stays, so every
    /// middleware that awaits the rest of the pipeline keeps its state for each reader; the ones that have nothing to do
    /// for a WebSocket once it is open (CORS, the rate-limiting middleware, the error pages) are not run for it.
    /// </summary>
    public static bool IsHubWebSocket(HttpRequest request) => FeedHubHosting.IsHubConnection(request) && CorsHosting.IsWebSocket(request);

    /// <summary>A reader arriving: a negotiate, a hub connect without a connection id, or a stream.</summary>
    public static bool IsNewReader(HttpRequest request) => FeedHubHosting.IsNewHubConnection(request) || FeedStreamsApi.IsStream(request);
}
