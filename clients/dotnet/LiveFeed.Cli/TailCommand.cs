using LiveFeed.Client;
using LiveFeed.Contracts;

namespace LiveFeed.Cli;

/// <summary>
/// <c>livefeed tail</c>: the latest items, then every change as it happens. Each item is shown once:
/// after the server restarts, the items it has that were not shown yet (what was missed) are shown,
/// and nothing twice.
/// </summary>
internal sealed class TailCommand(CliContext context, IReadOnlyList<string> feeds, int lines, LiveFeedProtocol protocol)
{
    private readonly HashSet<(string Feed, string Id)> _shown = [];
    private readonly HashSet<string> _started = new(StringComparer.Ordinal);

    public async Task<int> RunAsync(Uri server, CancellationToken cancellationToken)
    {
        var error = context.Environment.Error;
        await using var reader = new LiveFeedReader(server, new LiveFeedReaderOptions { Protocol = protocol });
        reader.StateChanged += (_, change) =>
        {
            if (change.Current == LiveFeedConnectionState.Reconnecting && change.Previous == LiveFeedConnectionState.Live)
            {
                error.WriteLine("livefeed: lost the connection to the server; reconnecting...");
            }
            else if (change.Current == LiveFeedConnectionState.Live && change.Previous == LiveFeedConnectionState.Reconnecting)
            {
                error.WriteLine("livefeed: reconnected.");
            }
        };

        try
        {
            await reader.StartAsync(cancellationToken);
        }
        catch (Exception exception) when (exception is not (HttpRequestException or OperationCanceledException))
        {
            // The server took the connection and closed it before it was usable (an instance whose Redis is away
            // does that), or no transport got through. Once connected, the reader retries such losses by itself.
            await error.WriteLineAsync(
                $"livefeed: the LiveFeed server at {context.ServerText} closed the connection as it opened ({exception.Message.ReplaceLineEndings(" ")}); try again later.");
            return ExitCodes.Unreachable;
        }

        foreach (var feed in feeds)
        {
            await reader.SubscribeAsync(feed, cancellationToken);
        }

        try
        {
            await foreach (var update in reader.ReadUpdatesAsync(cancellationToken))
            {
                await ShowAsync(update);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl+C: the normal way out.
        }

        return ExitCodes.Ok;
    }

    private async Task ShowAsync(FeedUpdate update)
    {
        var output = context.Environment.Out;
        if (update.IsReset)
        {
            // First page: the latest few. Later resets (the server lost its log): every item not shown yet.
            var unseen = update.Items.Where(item => !_shown.Contains((update.Feed, item.Id))).ToList();
            var show = _started.Add(update.Feed) ? unseen.Take(lines) : unseen;
            foreach (var item in show.Reverse())
            {
                await output.WriteLineAsync(context.Json
                    ? ItemFormat.Json(new { feed = update.Feed, kind = "snapshot", item })
                    : Prefix(update.Feed) + context.Format.Line(item));
            }

            foreach (var item in unseen)
            {
                _shown.Add((update.Feed, item.Id));
            }

            return;
        }

        var feedEvent = update.Event;
        if (feedEvent.Kind == FeedEventKind.Published && !_shown.Add((feedEvent.Feed, feedEvent.Item.Id)))
        {
            return;
        }

        await output.WriteLineAsync(context.Json ? ItemFormat.Json(feedEvent) : Prefix(feedEvent.Feed) + context.Format.EventLine(feedEvent));
    }

    private string Prefix(string feed) => feeds.Count > 1 ? $"[{feed}] " : "";
}
