using System.Diagnostics;
using System.Globalization;
using LiveFeed.Benchmarks.Generator;
using LiveFeed.Benchmarks.Reporting;
using LiveFeed.Benchmarks.Servers;
using StackExchange.Redis;

namespace LiveFeed.Benchmarks;

/// <summary>
/// The surges (<c>--surge</c>, docs/benchmarks.md "Surge"): many readers at once, new (arrival) or coming back after
/// an instance died (storm). Every reader is opened by <see cref="RetryingOpen"/>, as a real one would retry; a
/// reader not subscribed by the deadline is left out, and the run is then not clean. Every wait has a timeout.
/// </summary>
internal static class SurgeRunner
{
    /// <summary>How long the posts' own Redis calls are measured before the kill, with the readers idle.</summary>
    private static readonly TimeSpan Calibration = TimeSpan.FromSeconds(5);

    /// <summary>How long the posting goes on once every reader has resumed.</summary>
    private static readonly TimeSpan PostingAfter = TimeSpan.FromSeconds(2);

    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(30);

    public static async Task RunAsync(BenchmarkOptions options, Pinning pinning, string serverDll, RunReport report)
    {
        var runs = options.Surge == SurgeKinds.Arrival
            ? from mode in options.Modes
              from readers in options.Readers
              from round in Enumerable.Range(1, options.Rounds)
              from server in options.Servers
              select (Func<Task<SurgeResult>>)(() => ArrivalAsync(options, mode, server, readers, round, pinning, serverDll))
            : from readers in options.Readers
              from round in Enumerable.Range(1, options.Rounds)
              from target in options.StormTargets
              select (Func<Task<SurgeResult>>)(() => StormAsync(options, target, readers, round, pinning, serverDll));
        foreach (var run in runs)
        {
            var result = await run();
            report.Surges.Add(result);
            Console.WriteLine(SurgeTable.Line(result));
        }
    }

    /// <summary>
    /// N new readers connect and subscribe at once, as fast as the generator starts them; then one item is posted,
    /// which every reader must receive (it is subscribed for real).
    /// </summary>
    private static async Task<SurgeResult> ArrivalAsync(
        BenchmarkOptions options, string mode, string server, int readers, int round, Pinning pinning, string serverDll)
    {
        var result = new SurgeResult
        {
            Surge = SurgeKinds.Arrival, Server = server, Setting = mode, Readers = readers, Sources = options.SourceAddresses, Round = round,
            Protocol = ProtocolName(options),
        };
        var feed = $"arrival-{readers}-{round}-{Stopwatch.GetTimestamp() % 1_000_000}";
        var log = new DeliveryLog();
        using var deadline = new CancellationTokenSource();
        try
        {
            await using var redis = mode == "memory" ? null : await BenchmarkRunner.StartRedisAsync(pinning.SideCpus);
            var redisAddress = redis is null ? null : $"127.0.0.1:{redis.Address.Port}";
            await using var deployment = await Deployment.StartAsync(
                server, mode, redisAddress, pinning.ServerCpus, pinning.SideCpus, serverDll, BenchmarkRunner.ServerVariables(options, server), liftLimits: false);
            using var publisher = new Publisher(deployment.Publisher.Address, deployment.PublishKey);
            await PostBacklogAsync(publisher, feed, options.Backlog);
            using var stats = redis is null ? null : await ConnectAsync(redis);
            await Task.Delay(TimeSpan.FromSeconds(1));

            using var pool = new ReaderPool<LeanReader>(options.SourceAddresses);
            var uri = deployment.ReaderUri(options.Protocol);
            await WarmUpAsync(pool, uri, feed, options.Protocol);
            pool.Add(Enumerable.Range(0, readers).Select(_ => new LeanReader(options.Protocol, raw: false, log)).ToList());
            using var stopPings = new CancellationTokenSource();
            var pings = BenchmarkRunner.PingLoopAsync(pool, stopPings.Token);
            var attempts = new AttemptLog();

            using var inFlight = options.Concurrent > 0 ? new SemaphoreSlim(options.Concurrent) : null;
            var commandsBefore = stats is null ? null : await RedisCommandStats.ReadAsync(stats);
            var overflowsBefore = ProcessStats.ListenOverflows();
            var cpu = CpuClock.Start(deployment.Pids, redis?.Pid);
            var start = Stopwatch.GetTimestamp();
            deadline.CancelAfter(Deadline(readers));
            var done = await Task.WhenAll(pool.Readers.Select((reader, index) =>
                RetryingOpen.OpenAsync(reader, uri, pool.Invoker(index), feed, attempts, deadline.Token, inFlight: inFlight)));
            var spent = cpu.Read();
            var overflows = ProcessStats.ListenOverflows() - overflowsBefore;
            var commands = stats is null ? null : (await RedisCommandStats.ReadAsync(stats)).Since(commandsBefore!);

            // Subscribed for real: the next event reaches every reader.
            var subscribed = pool.Readers.Where(reader => reader.IsSubscribed).ToList();
            var next = await publisher.PublishAsync(feed, 1, 1, TimeSpan.FromSeconds(60));
            var head = options.Backlog + next.Stored;
            await WaitUntilAsync(() => subscribed.All(reader => reader.Sequences.Highest >= head), DrainTimeout);
            await stopPings.CancelAsync();
            await pings;

            var doneCount = done.Count(at => at is not null);
            var seconds = doneCount == 0 ? double.NaN : Stopwatch.GetElapsedTime(start, done.Max(at => at ?? 0)).TotalSeconds;
            return Observed(result, attempts, SequenceTotals.Of(subscribed, head), head, overflows, Timeline(start, done, readers)) with
            {
                Done = doneCount,
                LeftOut = readers - doneCount,
                Seconds = Math.Round(seconds, 2),
                ServerCpuSeconds = Math.Round(spent.Server, 2),
                ServerCores = Math.Round(spent.Server / spent.Wall, 2),
                RedisCpuSeconds = redis is null ? null : Math.Round(spent.Redis, 2),
                GeneratorCores = Math.Round(spent.Generator / spent.Wall, 2),
                Redis = commands is null ? null : RedisShare(commands, null, 0, doneCount),
                ReceivedNext = subscribed.Count(reader => reader.Sequences.Highest >= head),
                Error = next.FirstFailure,
            };
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            return result with { Error = exception.GetBaseException().Message };
        }
        finally
        {
            await deadline.CancelAsync();
        }
    }

    /// <summary>
    /// Two LiveFeed instances on one redis-server, N readers on A, items posted to B throughout; A is killed (SIGKILL)
    /// and every reader comes back to <paramref name="target"/> and subscribes from its position. Then the posting
    /// stops and every reader must have every event from its first page on, once and in order.
    /// </summary>
    private static async Task<SurgeResult> StormAsync(BenchmarkOptions options, string target, int readers, int round, Pinning pinning, string serverDll)
    {
        var result = new SurgeResult
        {
            Surge = SurgeKinds.Storm, Server = ServerKinds.LiveFeed, Setting = target, Readers = readers, Sources = options.SourceAddresses, Round = round,
            Protocol = ProtocolName(options),
        };
        var feed = $"storm-{readers}-{round}-{Stopwatch.GetTimestamp() % 1_000_000}";
        var log = new DeliveryLog();
        var environment = BenchmarkRunner.ServerVariables(options, ServerKinds.LiveFeed);
        using var deadline = new CancellationTokenSource();
        using var stopPosting = new CancellationTokenSource();
        ServerProcess? restarted = null;
        try
        {
            // A fresh Redis for each storm: its command counts are this storm's alone.
            await using var redis = await BenchmarkRunner.StartRedisAsync(pinning.SideCpus);
            var redisAddress = $"127.0.0.1:{redis.Address.Port}";
            var portA = ServerProcess.FreePort();
            // The instance the readers are on runs on the server core; B, when it only takes the posts, beside Redis.
            await using var a = await Deployment.StartLiveFeedAsync("livefeed-a", redisAddress, pinning.ServerCpus, portA, serverDll, environment, liftLimits: false);
            await using var b = await Deployment.StartLiveFeedAsync(
                "livefeed-b", redisAddress, target == StormTarget.B ? pinning.ServerCpus : pinning.SideCpus, ServerProcess.FreePort(), serverDll, environment, liftLimits: false);
            using var stats = await ConnectAsync(redis);
            using var publisher = new Publisher(b.Address, Deployment.NewsroomKey);
            await PostBacklogAsync(publisher, feed, options.Backlog);

            // Every reader on A.
            var uriA = ReaderUri(portA);
            var uriBack = target == StormTarget.B ? ReaderUri(b.Address.Port) : uriA;
            using var pool = new ReaderPool<LeanReader>(options.SourceAddresses);
            await WarmUpAsync(pool, uriBack, feed, options.Protocol);
            pool.Add(Enumerable.Range(0, readers).Select(_ => new LeanReader(options.Protocol, raw: false, log)).ToList());
            using var stopPings = new CancellationTokenSource();
            var pings = BenchmarkRunner.PingLoopAsync(pool, stopPings.Token);
            using (var setup = new CancellationTokenSource(Deadline(readers)))
            {
                var opened = await Task.WhenAll(pool.Readers.Select((reader, index) =>
                    RetryingOpen.OpenAsync(reader, uriA, pool.Invoker(index), feed, new AttemptLog(), setup.Token)));
                if (opened.Any(at => at is null))
                {
                    throw new InvalidOperationException($"Only {opened.Count(at => at is not null)} of {readers} readers subscribed on instance A.");
                }
            }

            // Posting throughout; the posts' own Redis calls measured while the readers are idle.
            var posting = publisher.PublishAsync(feed, int.MaxValue, options.StormRate, TimeSpan.FromHours(1), stopPosting.Token);
            await Task.Delay(TimeSpan.FromSeconds(1));
            var (calibrationStart, calibrationPosts) = (await RedisCommandStats.ReadAsync(stats), publisher.Stored);
            await Task.Delay(Calibration);
            var perPost = (await RedisCommandStats.ReadAsync(stats)).Since(calibrationStart).Per(publisher.Stored - calibrationPosts);
            var headBefore = await publisher.HeadAsync(feed, CancellationToken.None);
            if (!await WaitUntilAsync(() => pool.Readers.All(reader => reader.Sequences.Highest >= headBefore), DrainTimeout))
            {
                throw new InvalidOperationException("Before the kill, not every reader on A had every event.");
            }

            // Every reader comes back once its connection to A ends.
            var attempts = new AttemptLog();
            var resumes = pool.Readers.Select(async (reader, index) =>
            {
                try
                {
                    await reader.Closed.WaitAsync(deadline.Token);
                }
                catch (OperationCanceledException)
                {
                    return null;
                }

                return await RetryingOpen.OpenAsync(reader, uriBack, pool.Invoker(index), feed, attempts, deadline.Token, reconnect: true);
            }).ToList();

            var commandsBefore = await RedisCommandStats.ReadAsync(stats);
            var postsBefore = publisher.Stored;
            var cpuB = CpuClock.Start([b.Pid], redis.Pid);
            var overflowsBefore = ProcessStats.ListenOverflows();
            var kill = Stopwatch.GetTimestamp();
            deadline.CancelAfter(Deadline(readers));
            await a.KillAsync();
            Task<ServerProcess>? restarting = target == StormTarget.Restart
                ? Deployment.StartLiveFeedAsync("livefeed-a-restarted", redisAddress, pinning.ServerCpus, portA, serverDll, environment, liftLimits: false)
                : null;
            double? readySeconds = null;
            if (restarting is not null)
            {
                restarted = await restarting;
                readySeconds = Stopwatch.GetElapsedTime(kill).TotalSeconds;
            }

            var done = await Task.WhenAll(resumes);
            var spentB = cpuB.Read();
            var overflows = ProcessStats.ListenOverflows() - overflowsBefore;
            var spentRestarted = restarted is null ? null : (double?)ProcessStats.CpuTime(restarted.Pid).TotalSeconds;
            var commands = (await RedisCommandStats.ReadAsync(stats)).Since(commandsBefore);
            var postsDuring = publisher.Stored - postsBefore;

            // Posting a little longer, then every reader must have every event.
            await Task.Delay(PostingAfter);
            await stopPosting.CancelAsync();
            var posted = await posting;
            var head = await publisher.HeadAsync(feed, CancellationToken.None);
            var resumed = pool.Readers.Where((_, index) => done[index] is not null).ToList();
            var drained = await WaitUntilAsync(() => resumed.All(reader => reader.Sequences.Highest >= head), DrainTimeout);
            await stopPings.CancelAsync();
            await pings;

            var doneCount = resumed.Count;
            var seconds = doneCount == 0 ? double.NaN : Stopwatch.GetElapsedTime(kill, done.Max(at => at ?? 0)).TotalSeconds;
            var serverCpu = spentRestarted ?? spentB.Server;
            return Observed(result, attempts, SequenceTotals.Of(resumed, head), head, overflows, Timeline(kill, done, readers)) with
            {
                Done = doneCount,
                LeftOut = readers - doneCount,
                Seconds = Math.Round(seconds, 2),
                ServerCpuSeconds = Math.Round(serverCpu, 2),
                ServerCores = Math.Round(serverCpu / spentB.Wall, 2),
                OtherInstanceCpuSeconds = restarted is null ? null : Math.Round(spentB.Server, 2),
                RedisCpuSeconds = Math.Round(spentB.Redis, 2),
                GeneratorCores = Math.Round(spentB.Generator / spentB.Wall, 2),
                RestartReadySeconds = readySeconds is null ? null : Math.Round(readySeconds.Value, 2),
                Redis = RedisShare(commands, perPost, postsDuring, doneCount),
                PostsStored = posted.Stored,
                PostFailures = posted.Failed,
                Error = drained ? posted.FirstFailure : $"not every resumed reader had every event {DrainTimeout.TotalSeconds} s after the posting stopped",
            };
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            return result with { Error = exception.GetBaseException().Message };
        }
        finally
        {
            await deadline.CancelAsync();
            await stopPosting.CancelAsync();
            if (restarted is not null)
            {
                await restarted.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// A server that is up has served readers before the surge: a few readers subscribe and leave first, so that the
    /// hub's code is compiled (JIT) and its pools are in use. (A restarted A has not: that is part of a restart.)
    /// </summary>
    private static async Task WarmUpAsync(ReaderPool<LeanReader> pool, Uri uri, string feed, HubProtocolName protocol)
    {
        const int Readers = 50;
        var readers = Enumerable.Range(0, Readers).Select(_ => new LeanReader(protocol, raw: false, new DeliveryLog())).ToList();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            var opened = await Task.WhenAll(readers.Select((reader, index) => RetryingOpen.OpenAsync(reader, uri, pool.Invoker(index), feed, new AttemptLog(), deadline.Token)));
            if (opened.Any(at => at is null))
            {
                throw new InvalidOperationException($"Only {opened.Count(at => at is not null)} of {Readers} warm-up readers subscribed.");
            }
        }
        finally
        {
            foreach (var reader in readers)
            {
                reader.Abort();
            }
        }

        // Gone from the server's count of readers before the surge starts.
        await Task.Delay(TimeSpan.FromSeconds(1));
    }

    /// <summary>What both surges report alike: the attempts, the readers' sequence checks against the feed's last sequence, the timeline.</summary>
    private static SurgeResult Observed(SurgeResult result, AttemptLog attempts, SequenceTotals check, long head, long overflows, List<double[]> timeline) =>
        result with
        {
            Attempts = attempts.Attempts,
            Retries = attempts.Retries,
            Failures = attempts.Failures,
            FailureExamples = attempts.Examples,
            ListenOverflows = overflows,
            Head = head,
            Lost = check.Lost,
            Duplicates = check.Duplicates,
            OutOfOrder = check.OutOfOrder,
            Overlaps = check.Overlaps,
            Resets = check.Resets,
            Timeline = timeline,
        };

    /// <summary>A surge's deadline: a minute, and 10 ms more per reader.</summary>
    private static TimeSpan Deadline(int readers) => TimeSpan.FromSeconds(60) + TimeSpan.FromMilliseconds(10.0 * readers);

    private static string ProtocolName(BenchmarkOptions options) => options.Protocol == HubProtocolName.Json ? "json" : "messagepack";

    private static Uri ReaderUri(int port) => new($"ws://127.0.0.1:{port}{Contracts.FeedHubProtocol.Path}");

    /// <summary>The feed has news when the readers come: their reset page carries it (50 items fill LiveFeed's page).</summary>
    private static async Task PostBacklogAsync(Publisher publisher, string feed, int items)
    {
        if (items == 0)
        {
            return;
        }

        // 50 a second: under LiveFeed's shipped write limit (100 a second), which the surges keep.
        var backlog = await publisher.PublishAsync(feed, items, 50, TimeSpan.FromSeconds(60) + TimeSpan.FromSeconds(items / 50.0));
        if (backlog.Failed > 0)
        {
            throw new InvalidOperationException($"{backlog.Failed} of the {items} backlog items were not stored: {backlog.FirstFailure}");
        }
    }

    private static async Task<ConnectionMultiplexer> ConnectAsync(ServerProcess redis) =>
        await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{redis.Address.Port},allowAdmin=true");

    /// <summary>The calls in a surge's window less the posts' own (<paramref name="perPost"/> times the posts), by kind.</summary>
    private static RedisDuringSurge RedisShare(RedisCommandStats window, RedisCommandStats? perPost, int posts, int readers)
    {
        var share = perPost is null ? window : window.Less(perPost, posts);
        static Dictionary<string, double> Rounded(RedisCommandStats stats) =>
            stats.Calls.Where(pair => pair.Value >= 0.005).OrderByDescending(pair => pair.Value)
                .ToDictionary(pair => pair.Key, pair => Math.Round(pair.Value, 2), StringComparer.Ordinal);
        return new RedisDuringSurge
        {
            Data = window.Data,
            PubSub = window.PubSubCalls,
            Other = window.OtherCalls,
            Posts = posts,
            PerPost = perPost is null ? new Dictionary<string, double>() : Rounded(perPost),
            Readers = Rounded(share),
            ReadersData = Math.Round(share.Data, 1),
            ReadersPubSub = Math.Round(share.PubSubCalls, 1),
            DataPerReader = readers == 0 ? double.NaN : Math.Round(share.Data / readers, 3),
            PubSubPerReader = readers == 0 ? double.NaN : Math.Round(share.PubSubCalls / readers, 3),
        };
    }

    /// <summary>Readers done over time: (seconds since <paramref name="start"/>, readers done), every 0.5% of them.</summary>
    private static List<double[]> Timeline(long start, IEnumerable<long?> done, int readers)
    {
        var seconds = done.Where(at => at is not null).Select(at => Stopwatch.GetElapsedTime(start, at!.Value).TotalSeconds).Order().ToList();
        var step = Math.Max(1, readers / 200);
        var points = new List<double[]> { new[] { 0.0, 0 } };
        for (var index = step - 1; index < seconds.Count; index += step)
        {
            points.Add([Math.Round(seconds[index], 3), index + 1]);
        }

        if (seconds.Count > 0 && points[^1][1] < seconds.Count)
        {
            points.Add([Math.Round(seconds[^1], 3), seconds.Count]);
        }

        return points;
    }

    private static async Task<bool> WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (!condition())
        {
            if (Stopwatch.GetTimestamp() > deadline)
            {
                return false;
            }

            await Task.Delay(50);
        }

        return true;
    }

    /// <summary>CPU seconds of the servers, Redis and the generator from when it started, and the wall time.</summary>
    private sealed class CpuClock
    {
        private readonly int[] _servers;
        private readonly int? _redis;
        private readonly long _start = Stopwatch.GetTimestamp();
        private readonly TimeSpan _serversAtStart;
        private readonly TimeSpan _redisAtStart;
        private readonly TimeSpan _generatorAtStart = ProcessStats.CpuTime(Environment.ProcessId);

        private CpuClock(IEnumerable<int> servers, int? redis)
        {
            _servers = [.. servers];
            _redis = redis;
            _serversAtStart = ProcessStats.CpuTime(_servers);
            _redisAtStart = redis is { } pid ? ProcessStats.CpuTime(pid) : TimeSpan.Zero;
        }

        public static CpuClock Start(IEnumerable<int> servers, int? redis) => new(servers, redis);

        public (double Server, double Redis, double Generator, double Wall) Read() => (
            (ProcessStats.CpuTime(_servers) - _serversAtStart).TotalSeconds,
            _redis is { } pid ? (ProcessStats.CpuTime(pid) - _redisAtStart).TotalSeconds : double.NaN,
            (ProcessStats.CpuTime(Environment.ProcessId) - _generatorAtStart).TotalSeconds,
            Stopwatch.GetElapsedTime(_start).TotalSeconds);
    }

    /// <summary>The readers' sequence checks added up, each against the feed's last sequence.</summary>
    private sealed record SequenceTotals(long Lost, long Duplicates, long OutOfOrder, long Overlaps, long Resets)
    {
        public static SequenceTotals Of(IReadOnlyList<LeanReader> readers, long head) => new(
            readers.Sum(reader => (long)reader.Sequences.MissingUpTo(head)),
            readers.Sum(reader => (long)reader.Sequences.Duplicates),
            readers.Sum(reader => (long)reader.Sequences.OutOfOrder),
            readers.Sum(reader => (long)reader.Overlaps),
            readers.Sum(reader => (long)reader.Resets));
    }
}
