using System.Diagnostics;
using LiveFeed.Tests.Infrastructure;
using Xunit.Abstractions;

namespace LiveFeed.Tests.Scaleout;

/// <summary>
/// An instance dies and all its readers resume on another at once: none misses or repeats an event, and the crowd
/// costs Redis far less than one data command per reader (docs/architecture.md, "Shared reads").
/// </summary>
[Collection(CrowdTests.Name)]
public sealed class ResumeStormTests(ITestOutputHelper output)
{
    private const int FeedCount = 3;
    private const int ReadersPerFeed = 100;
    private static readonly TimeSpan CatchUpTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task ACrowdResumingOnAnotherInstanceMissesAndRepeatsNothingAndCostsRedisFarBelowOneCommandPerReader()
    {
        await using var redis = await RedisServer.StartNewAsync();
        await using var doomed = new LiveFeedProcess(RedisSettings.For(redis));
        await using var survivor = new LiveFeedProcess(RedisSettings.For(redis));
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(doomed.StartAsync(), survivor.StartAsync());
        output.WriteLine($"{clock.ElapsedMilliseconds} ms: two processes ready");

        var feeds = Enumerable.Range(0, FeedCount).Select(_ => NewsroomRequests.UniqueFeed("storm")).ToArray();
        using var newsroom = survivor.CreateNewsroomClient();
        await using var publisher = new RoundRobinPublisher(newsroom, feeds);
        await publisher.PostRoundsAsync(3);

        // What one publication costs Redis, to tell the publisher's commands from the crowd's below.
        var beforeCalibration = await redis.CommandCallsAsync();
        await publisher.PostRoundsAsync(4);
        var perPublication = Total((await redis.CommandCallsAsync()).DataCommandsSince(beforeCalibration)) / (4.0 * FeedCount);

        var readers = feeds.SelectMany(feed => Enumerable.Range(0, ReadersPerFeed).Select(_ => new LeanFollower(feed, [doomed.BaseAddress, survivor.BaseAddress]))).ToList();
        try
        {
            await Parallel.ForEachAsync(readers, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (reader, _) => await reader.StartAsync());
            output.WriteLine($"{clock.ElapsedMilliseconds} ms: {readers.Count} readers subscribed on the doomed instance");

            publisher.Start(TimeSpan.FromMilliseconds(20));
            await Eventually.HoldsAsync(() => Task.FromResult(readers.All(r => r.Last >= r.Start + 2)), "every reader receives live events");

            var (before, postedBefore) = await publisher.WhilePausedAsync(redis.CommandCallsAsync);
            await doomed.KillAsync();
            output.WriteLine($"{clock.ElapsedMilliseconds} ms: killed the instance of {readers.Count} readers");
            await Eventually.HoldsAsync(() => Task.FromResult(readers.All(r => r.Subscribed == 2 || r.Failure is not null)), "every reader subscribes again", CatchUpTimeout);
            var (after, postedAfter) = await publisher.WhilePausedAsync(redis.CommandCallsAsync);
            output.WriteLine($"{clock.ElapsedMilliseconds} ms: every reader subscribed again on the survivor; {postedAfter - postedBefore} items posted meanwhile");

            await Task.Delay(TimeSpan.FromMilliseconds(300));
            var posted = await publisher.StopAsync();
            foreach (var reader in readers)
            {
                var feed = Array.IndexOf(feeds, reader.Feed);
                await Eventually.HoldsAsync(() => Task.FromResult(reader.Last >= posted[feed].Count || reader.Failure is not null), $"{reader} catches up to #{posted[feed].Count}", CatchUpTimeout);
                Assert.Null(reader.Failure);
                Assert.Equal(0, reader.Resets);
                Assert.Equal(0, reader.Held);
                // Nothing lost, nothing twice, in order: exactly the events after the first page.
                Assert.Equal(
                    posted[feed].Select((id, index) => (Sequence: (long)index + 1, id)).Skip((int)reader.Start),
                    reader.Applied);
            }

            var commands = after.DataCommandsSince(before);
            var publications = postedAfter - postedBefore;
            var crowd = Total(commands) - (publications * perPublication);
            output.WriteLine($"Redis data commands while {readers.Count} readers resumed: {Total(commands)} ({string.Join(", ", commands.Select(c => $"{c.Command} {c.Calls}"))})");
            output.WriteLine($"not counted: {string.Join(", ", after.OtherCommandsSince(before).Select(c => $"{c.Command} {c.Calls}"))}");
            output.WriteLine($"of which {publications} publications at {perPublication:0.##} each; the crowd's: {crowd:0} = {crowd / readers.Count:0.###} per resuming reader");
            // Each reading for itself, the crowd cost 4.05 a reader (the read script's EVALSHA and its HMGET, LLEN and LRANGE);
            // shared, one read of each feed per round trip serves all who came meanwhile.
            Assert.True(crowd / readers.Count < 0.5, $"The resuming crowd cost Redis {crowd / readers.Count:0.###} data commands per reader.");
        }
        finally
        {
            await Task.WhenAll(readers.Select(reader => reader.DisposeAsync().AsTask()));
        }
    }

    private static long Total(IEnumerable<(string Command, long Calls)> commands) => commands.Sum(c => c.Calls);

    /// <summary>
    /// Posts to each feed in turn, one post at a time, keeping every feed's item ids in order (the feeds are new: the
    /// n-th id is sequence n). It can be paused between two posts, so that what Redis counts is cut at a known post.
    /// </summary>
    private sealed class RoundRobinPublisher(HttpClient newsroom, string[] feeds) : IAsyncDisposable
    {
        private readonly SemaphoreSlim _turn = new(1, 1);
        private readonly CancellationTokenSource _stop = new();
        private readonly List<string>[] _posted = feeds.Select(_ => new List<string>()).ToArray();
        private Task _posting = Task.CompletedTask;
        private int _count;

        public async Task PostRoundsAsync(int rounds)
        {
            for (var i = 0; i < rounds * feeds.Length; i++)
            {
                await PostNextAsync();
            }
        }

        public void Start(TimeSpan interval) => _posting = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                await _turn.WaitAsync();
                try
                {
                    await PostNextAsync();
                }
                finally
                {
                    _turn.Release();
                }

                await Task.Delay(interval);
            }
        });

        /// <summary>Runs <paramref name="action"/> between two posts; answers it and how many posts were made before it.</summary>
        public async Task<(T Result, int Posted)> WhilePausedAsync<T>(Func<Task<T>> action)
        {
            await _turn.WaitAsync(TestReader.Timeout);
            try
            {
                return (await action(), _count);
            }
            finally
            {
                _turn.Release();
            }
        }

        /// <summary>Stops posting; answers each feed's item ids, the n-th being sequence n.</summary>
        public async Task<List<string>[]> StopAsync()
        {
            await _stop.CancelAsync();
            await _posting.WaitAsync(TestReader.Timeout);
            return _posted;
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _posting.WaitAsync(TestReader.Timeout).ContinueWith(_ => { }, TaskScheduler.Default);
            _stop.Dispose();
            _turn.Dispose();
        }

        private async Task PostNextAsync()
        {
            var feed = _count % feeds.Length;
            var item = await newsroom.PublishAsync(feeds[feed], $"Item {_posted[feed].Count + 1}");
            _posted[feed].Add(item.Id);
            _count++;
        }
    }
}
