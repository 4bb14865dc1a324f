using System.Threading.Channels;
using LiveFeed.Client;

namespace LiveFeed.Tests.Client;

/// <summary>
/// Reads a <see cref="LiveFeedReader"/>'s update stream in the background so that tests can wait for
/// what it applies, each wait with a timeout. Also records the reader's connection states.
/// </summary>
public sealed class UpdateRecorder
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    private readonly Channel<FeedUpdate> _updates = Channel.CreateUnbounded<FeedUpdate>();
    private readonly Channel<LiveFeedConnectionState> _states = Channel.CreateUnbounded<LiveFeedConnectionState>();

    public UpdateRecorder(LiveFeedReader reader)
    {
        reader.StateChanged += (_, change) => _states.Writer.TryWrite(change.Current);
        _ = Task.Run(async () =>
        {
            await foreach (var update in reader.ReadUpdatesAsync())
            {
                _updates.Writer.TryWrite(update);
            }

            _updates.Writer.TryComplete();
        });
    }

    /// <summary>The updates up to and including the first one that <paramref name="last"/> matches.</summary>
    public async Task<List<FeedUpdate>> UntilAsync(Func<FeedUpdate, bool> last, TimeSpan? timeout = null)
    {
        var received = new List<FeedUpdate>();
        using var cancellation = new CancellationTokenSource(timeout ?? Timeout);
        try
        {
            while (true)
            {
                var update = await _updates.Reader.ReadAsync(cancellation.Token);
                received.Add(update);
                if (last(update))
                {
                    return received;
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"The awaited update did not come within {(timeout ?? Timeout).TotalSeconds} s; got: "
                + string.Join(", ", received.Select(update => update.IsReset ? $"reset@{update.Sequence}" : $"{update.Event.Kind}#{update.Sequence}")));
        }
    }

    /// <summary>Waits until the reader's state becomes <paramref name="state"/>.</summary>
    public async Task WaitForStateAsync(LiveFeedConnectionState state, TimeSpan? timeout = null)
    {
        using var cancellation = new CancellationTokenSource(timeout ?? Timeout);
        try
        {
            while (await _states.Reader.ReadAsync(cancellation.Token) != state)
            {
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"The reader did not become {state} within {(timeout ?? Timeout).TotalSeconds} s.");
        }
    }

    /// <summary>True when the stream has ended (the reader was disposed), within the timeout.</summary>
    public async Task<bool> EndsAsync(TimeSpan? timeout = null)
    {
        using var cancellation = new CancellationTokenSource(timeout ?? Timeout);
        try
        {
            while (await _updates.Reader.WaitToReadAsync(cancellation.Token))
            {
                _updates.Reader.TryRead(out _);
            }

            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
