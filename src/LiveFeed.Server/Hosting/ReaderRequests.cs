using LiveFeed.Server.Hubs;
using LiveFeed.Server.Streams;

namespace LiveFeed.Server.Hosting;

/// <summary>The requests that are readers: hub connections and Server-Sent Events streams.</summary>
internal static class ReaderRequests
{
    /// <summary>A request that stays open as long as its reader does.</summary>
    public static bool IsReaderConnection(HttpRequest request) => FeedHubHosting.IsHubConnection(request) || FeedStreamsApi.IsStream(request);

    /// <summary>A reader arriving: a negotiate, a hub connect without a connection id, or a stream.</summary>
    public static bool IsNewReader(HttpRequest request) => FeedHubHosting.IsNewHubConnection(request) || FeedStreamsApi.IsStream(request);
}
