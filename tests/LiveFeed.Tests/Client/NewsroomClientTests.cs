using System.Net;
using LiveFeed.Client;
using LiveFeed.Contracts;
using LiveFeed.Tests.Infrastructure;

namespace LiveFeed.Tests.Client;

/// <summary>The newsroom client against a real server; a scripted handler plays the lost answers and busy servers.</summary>
public sealed class NewsroomClientTests
{
    [Fact]
    public async Task PublishGetCorrectRetractAndListWorkAsTheApiSays()
    {
        using var server = new LiveFeedServer();
        using var http = server.CreateAnonymousClient();
        var newsroom = new NewsroomClient(http, new NewsroomClientOptions { ApiKey = LiveFeedServer.NewsroomKey });

        var posted = await newsroom.PublishAsync("ukraine", new ItemRequest
        {
            Headline = "  Talks resume  ", Body = "More soon.", Priority = ItemPriority.Urgent, Tags = ["talks"], Link = "https://example.org/a",
        });
        var corrected = await newsroom.CorrectAsync("ukraine", posted.Id, new ItemRequest { Headline = "Talks resume in Geneva", Priority = ItemPriority.Urgent });
        var second = await newsroom.PublishAsync("ukraine", new ItemRequest { Headline = "Second" });
        await newsroom.RetractAsync("ukraine", second.Id);
        await newsroom.RetractAsync("ukraine", second.Id);

        Assert.Equal(("Talks resume", LiveFeedServer.KeyName, ItemPriority.Urgent), (posted.Headline, posted.Author, posted.Priority));
        Assert.NotNull(corrected.UpdatedAt);
        var fetched = await newsroom.GetAsync("ukraine", posted.Id);
        Assert.Equal(corrected with { Tags = [] }, fetched! with { Tags = [] });
        Assert.NotNull((await newsroom.GetAsync("ukraine", second.Id))!.RetractedAt);
        Assert.Null(await newsroom.GetAsync("ukraine", "no-such-item"));
        var page = await newsroom.ListAsync("ukraine");
        Assert.Equal(["Talks resume in Geneva"], page.Items.Select(item => item.Headline));
        Assert.Equal(4, page.Sequence);
        var events = await newsroom.EventsAsync("ukraine", page.Epoch, 1);
        Assert.Equal([FeedEventKind.Corrected, FeedEventKind.Published, FeedEventKind.Retracted], events.Events.Select(e => e.Kind));
        Assert.Contains(await newsroom.ListFeedsAsync(), summary => summary.Feed == "ukraine" && summary.Sequence == 4);
    }

    [Fact]
    public async Task EveryItemAnswerCarriesItsVersionAndAStaleOneThrowsItemChangedWithTheCurrentItem()
    {
        using var server = new LiveFeedServer();
        using var http = server.CreateAnonymousClient();
        var newsroom = new NewsroomClient(http, new NewsroomClientOptions { ApiKey = LiveFeedServer.NewsroomKey });

        var posted = await newsroom.PublishVersionedAsync("main", new ItemRequest { Headline = "What we know so far", Pinned = true, KeyEvent = true });
        var fetched = await newsroom.GetVersionedAsync("main", posted.Item.Id);
        var corrected = await newsroom.CorrectAsync("main", posted.Item.Id, new ItemRequest { Headline = "What we know now", Pinned = true }, posted.Version);
        var stale = await Assert.ThrowsAsync<LiveFeedItemChangedException>(() =>
            newsroom.CorrectAsync("main", posted.Item.Id, new ItemRequest { Headline = "Overwritten?" }, posted.Version));
        var staleRetraction = await Assert.ThrowsAsync<LiveFeedItemChangedException>(() => newsroom.RetractAsync("main", posted.Item.Id, posted.Version));

        Assert.Equal((true, true), (posted.Item.Pinned, posted.Item.KeyEvent));
        Assert.Equal(posted.Version, fetched!.Version);
        Assert.NotNull(posted.Version);
        Assert.NotEqual(posted.Version, corrected.Version);
        Assert.Equal((true, false, LiveFeedServer.KeyName), (corrected.Item.Pinned, corrected.Item.KeyEvent, corrected.Item.UpdatedBy));
        foreach (var exception in new[] { stale, staleRetraction })
        {
            Assert.Equal(412, exception.Status);
            Assert.Equal(("What we know now", corrected.Version), (exception.Current!.Item.Headline, exception.Current.Version));
        }

        Assert.Null((await newsroom.GetAsync("main", posted.Item.Id))!.RetractedAt);
    }

    [Fact]
    public async Task ARetractionWhoseVersionIsStaleBecauseTheItemIsRetractedAlreadyIsDone()
    {
        using var server = new LiveFeedServer();
        using var http = server.CreateNewsroomClient();
        var newsroom = new NewsroomClient(http);
        var posted = await newsroom.PublishVersionedAsync("main", new ItemRequest { Headline = "Wrong" });
        await newsroom.RetractAsync("main", posted.Item.Id, posted.Version);

        // What a retry of a retraction whose answer was lost meets: the item retracted by the first attempt.
        await newsroom.RetractAsync("main", posted.Item.Id, posted.Version);

        Assert.NotNull((await newsroom.GetAsync("main", posted.Item.Id))!.RetractedAt);
    }

    [Fact]
    public async Task HistoryNamesWhoDidWhatAndIsNullForAnUnknownItem()
    {
        using var server = new LiveFeedServer();
        using var http = server.CreateNewsroomClient();
        var newsroom = new NewsroomClient(http);
        var posted = await newsroom.PublishAsync("main", new ItemRequest { Headline = "First" });
        await newsroom.CorrectAsync("main", posted.Id, new ItemRequest { Headline = "Second" });

        var history = await newsroom.HistoryAsync("main", posted.Id);

        Assert.Equal(
            [(FeedEventKind.Published, LiveFeedServer.KeyName, "First"), (FeedEventKind.Corrected, LiveFeedServer.KeyName, "Second")],
            history!.Events.Select(e => (e.Kind, e.By, e.Item.Headline)));
        Assert.Null(await newsroom.HistoryAsync("main", "no-such-item"));
    }

    [Fact]
    public async Task ScheduleRescheduleListAndCancelWorkAsTheApiSays()
    {
        using var server = new LiveFeedServer();
        using var http = server.CreateAnonymousClient();
        var newsroom = new NewsroomClient(http, new NewsroomClientOptions { ApiKey = LiveFeedServer.NewsroomKey });
        var at = DateTime.UtcNow.AddHours(1);

        var scheduled = await newsroom.ScheduleAsync("ukraine", new ItemRequest { Headline = "At noon", KeyEvent = true }, at);
        var later = await newsroom.ScheduleAsync("ukraine", new ItemRequest { Headline = "Later" }, at.AddHours(1));
        var moved = await newsroom.RescheduleAsync("ukraine", later.Id, new ItemRequest { Headline = "Sooner now" }, at.AddMinutes(-30));
        var listed = await newsroom.ListScheduledAsync("ukraine");
        var cancelled = await newsroom.CancelScheduledAsync("ukraine", scheduled.Id);
        var cancelledAgain = await newsroom.CancelScheduledAsync("ukraine", scheduled.Id);
        var gone = await Assert.ThrowsAsync<LiveFeedApiException>(() => newsroom.RescheduleAsync("ukraine", scheduled.Id, new ItemRequest { Headline = "No" }, at));

        Assert.Equal(("At noon", true, LiveFeedServer.KeyName), (scheduled.Headline, scheduled.KeyEvent, scheduled.Author));
        Assert.Equal(("Sooner now", later.Id), (moved.Headline, moved.Id));
        Assert.Equal([later.Id, scheduled.Id], listed.Select(item => item.Id));
        Assert.Equal((true, false, 404), (cancelled, cancelledAgain, gone.Status));
        await Assert.ThrowsAsync<ArgumentException>(() => newsroom.PublishAsync("ukraine", new ItemRequest { Headline = "Mixed", PublishAt = at }));
        Assert.Empty((await newsroom.ListAsync("ukraine")).Items);
    }

    [Fact]
    public async Task ListAllFollowsTheNextLinksThroughEveryPage()
    {
        using var server = new LiveFeedServer();
        using var http = server.CreateNewsroomClient();
        var newsroom = new NewsroomClient(http);
        for (var i = 1; i <= 5; i++)
        {
            await newsroom.PublishAsync("main", new ItemRequest { Headline = $"Item {i}" });
        }

        var all = new List<string>();
        await foreach (var item in newsroom.ListAllAsync("main", pageSize: 2))
        {
            all.Add(item.Headline);
        }

        Assert.Equal(["Item 5", "Item 4", "Item 3", "Item 2", "Item 1"], all);
    }

    [Fact]
    public async Task AnInvalidItemThrowsAnExceptionNamingEachBadField()
    {
        using var server = new LiveFeedServer();
        using var http = server.CreateNewsroomClient();
        var newsroom = new NewsroomClient(http);

        var refused = await Assert.ThrowsAsync<LiveFeedApiException>(() =>
            newsroom.PublishAsync("main", new ItemRequest { Headline = "   ", Link = "ftp://example.org" }));

        Assert.Equal(400, refused.Status);
        Assert.Equal("The request is not valid", refused.Title);
        Assert.Equal(["headline", "link"], refused.Errors.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("headline: The headline is blank.", refused.Message, StringComparison.Ordinal);
        Assert.Empty((await newsroom.ListAsync("main")).Items);
    }

    [Fact]
    public async Task AWrongKeyThrowsA401ThatSaysSo()
    {
        using var server = new LiveFeedServer();
        using var http = server.CreateAnonymousClient();
        var newsroom = new NewsroomClient(http, new NewsroomClientOptions { ApiKey = "wrong" });

        var refused = await Assert.ThrowsAsync<LiveFeedApiException>(() => newsroom.PublishAsync("main", new ItemRequest { Headline = "x" }));

        Assert.Equal(401, refused.Status);
        Assert.Contains("newsroom key", refused.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task APublishWhoseAnswerIsLostIsRetriedWithTheSameKeyAndMakesOneItem()
    {
        using var server = new LiveFeedServer();
        // The first POST reaches the server and is stored, but its answer never comes back.
        var handler = new ScriptedHandler(async (request, send, attempt) =>
        {
            var response = await send(request);
            if (request.Method == HttpMethod.Post && attempt == 1)
            {
                response.Dispose();
                throw new HttpRequestException("The connection was reset.");
            }

            return response;
        });
        using var http = new HttpClient(handler) { BaseAddress = server.BaseAddress };
        var newsroom = new NewsroomClient(http, new NewsroomClientOptions { ApiKey = LiveFeedServer.NewsroomKey, TimeProvider = new NoWaitTimeProvider() });

        var posted = await newsroom.PublishAsync("main", new ItemRequest { Headline = "Only once" });

        var keys = handler.Requests.Where(request => request.Method == "POST").Select(request => request.IdempotencyKey).ToList();
        Assert.Equal(2, keys.Count);
        Assert.False(string.IsNullOrEmpty(keys[0]));
        Assert.Equal(keys[0], keys[1]);
        var items = (await newsroom.ListAsync("main")).Items;
        Assert.Equal([posted.Id], items.Select(item => item.Id));
        Assert.Equal(1, (await newsroom.EventsAsync("main")).Sequence);
    }

    [Fact]
    public async Task EveryPublishSendsAFreshIdempotencyKey()
    {
        using var server = new LiveFeedServer();
        var handler = new ScriptedHandler((request, send, _) => send(request));
        using var http = new HttpClient(handler) { BaseAddress = server.BaseAddress };
        var newsroom = new NewsroomClient(http, new NewsroomClientOptions { ApiKey = LiveFeedServer.NewsroomKey });

        await newsroom.PublishAsync("main", new ItemRequest { Headline = "Same words" });
        await newsroom.PublishAsync("main", new ItemRequest { Headline = "Same words" });

        Assert.Equal(2, handler.Requests.Select(request => request.IdempotencyKey).Distinct().Count());
        Assert.Equal(2, (await newsroom.ListAsync("main")).Items.Count);
    }

    [Theory]
    [InlineData(HttpStatusCode.ServiceUnavailable)]
    [InlineData(HttpStatusCode.TooManyRequests)]
    public async Task ABusyServerIsAskedAgainAfterRetryAfterABoundedNumberOfTimes(HttpStatusCode busy)
    {
        using var server = new LiveFeedServer();
        var handler = new ScriptedHandler((request, send, attempt) => attempt <= 2 ? Task.FromResult(Busy(busy)) : send(request));
        using var http = new HttpClient(handler) { BaseAddress = server.BaseAddress };
        var clock = new NoWaitTimeProvider();
        var patient = new NewsroomClient(http, new NewsroomClientOptions { ApiKey = LiveFeedServer.NewsroomKey, MaxRetries = 2, TimeProvider = clock });

        var posted = await patient.PublishAsync("main", new ItemRequest { Headline = "After the wait" });

        Assert.Equal("After the wait", posted.Headline);
        Assert.Equal([TimeSpan.FromSeconds(7), TimeSpan.FromSeconds(7)], clock.Waits);

        handler.Reset();
        var impatient = new NewsroomClient(http, new NewsroomClientOptions { ApiKey = LiveFeedServer.NewsroomKey, MaxRetries = 1, TimeProvider = clock });
        var refused = await Assert.ThrowsAsync<LiveFeedApiException>(() => impatient.PublishAsync("main", new ItemRequest { Headline = "Too soon" }));
        Assert.Equal((int)busy, refused.Status);
        Assert.Equal(TimeSpan.FromSeconds(7), refused.RetryAfter);
        Assert.Equal(2, handler.Requests.Count);
    }

    private static HttpResponseMessage Busy(HttpStatusCode status)
    {
        var response = new HttpResponseMessage(status)
        {
            Content = new StringContent("""{"title":"Busy","status":503}""", System.Text.Encoding.UTF8, "application/problem+json"),
        };
        response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(7));
        return response;
    }

    /// <summary>Runs every request through a script that may answer itself or pass it on to the real server.</summary>
    private sealed class ScriptedHandler(Func<HttpRequestMessage, Func<HttpRequestMessage, Task<HttpResponseMessage>>, int, Task<HttpResponseMessage>> script)
        : DelegatingHandler(new SocketsHttpHandler())
    {
        public List<(string Method, string? IdempotencyKey)> Requests { get; } = [];

        public void Reset() => Requests.Clear();

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add((request.Method.Method, request.Headers.TryGetValues("Idempotency-Key", out var values) ? values.Single() : null));
            return script(request, r => base.SendAsync(r, cancellationToken), Requests.Count);
        }
    }

    /// <summary>A clock whose timers fire at once, recording the waits asked for: the retry tests wait for nothing.</summary>
    private sealed class NoWaitTimeProvider : TimeProvider
    {
        public List<TimeSpan> Waits { get; } = [];

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            if (dueTime != Timeout.InfiniteTimeSpan)
            {
                lock (Waits)
                {
                    Waits.Add(dueTime);
                }
            }

            return System.CreateTimer(callback, state, dueTime == Timeout.InfiniteTimeSpan ? dueTime : TimeSpan.Zero, period);
        }
    }
}
