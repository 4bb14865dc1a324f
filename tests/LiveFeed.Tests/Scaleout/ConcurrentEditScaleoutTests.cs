using System.Net;
using System.Net.Http.Json;
using LiveFeed.Contracts;
using LiveFeed.Tests.Api;
using LiveFeed.Tests.Infrastructure;

namespace LiveFeed.Tests.Scaleout;

/// <summary>
/// Two editors on two instances sharing one real redis-server: the If-Match check and the pin move are one atomic step
/// in Redis, so racing writes settle the same way whichever instance each reaches.
/// </summary>
public sealed class ConcurrentEditScaleoutTests : IAsyncLifetime
{
    private const int Rounds = 20;

    private RedisServer? _redis;
    private LiveFeedServer? _first;
    private LiveFeedServer? _second;
    private HttpClient? _onFirst;
    private HttpClient? _onSecond;

    // Each test: a redis-server of its own and two instances on it, a newsroom client on each.
    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartNewAsync();
        _first = new LiveFeedServer(RedisSettings.For(_redis));
        _second = new LiveFeedServer(RedisSettings.For(_redis));
        await Task.WhenAll(Eventually.ReadyAnswersAsync(_first.BaseAddress, HttpStatusCode.OK), Eventually.ReadyAnswersAsync(_second.BaseAddress, HttpStatusCode.OK));
        _onFirst = _first.CreateNewsroomClient();
        _onSecond = _second.CreateNewsroomClient();
    }

    public async Task DisposeAsync()
    {
        _onFirst?.Dispose();
        _onSecond?.Dispose();
        _first?.Dispose();
        _second?.Dispose();
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }

    [Fact]
    public async Task OfTwoCorrectionsWithTheSameIfMatchOnTwoInstancesExactlyOneIs200AndTheOther412EveryRound()
    {
        var (onFirst, onSecond) = (_onFirst!, _onSecond!);
        var feed = NewsroomRequests.UniqueFeed("race-edit");
        var item = await onFirst.PublishAsync(feed, "Original");
        using var published = await onFirst.GetAsync(new Uri($"/api/feeds/{feed}/items/{item.Id}", UriKind.Relative));
        var tag = published.Headers.ETag!.ToString();

        for (var round = 0; round < Rounds; round++)
        {
            var answers = await Task.WhenAll(
                PutAsync(onFirst, feed, item.Id, tag, $"first {round}"),
                PutAsync(onSecond, feed, item.Id, tag, $"second {round}"));

            Assert.Equal([HttpStatusCode.OK, HttpStatusCode.PreconditionFailed], answers.Select(a => a.Status).Order());
            var winner = answers.Single(a => a.Status == HttpStatusCode.OK);
            var loser = answers.Single(a => a.Status == HttpStatusCode.PreconditionFailed);
            Assert.Equal(winner.Headline, loser.Headline);
            Assert.Equal(winner.ETag, loser.ETag);
            tag = winner.ETag;
        }

        // One event per round: the losers stored nothing.
        var head = await onSecond.GetJsonAsync<FeedPage>($"/api/feeds/{feed}/events");
        Assert.Equal(1 + Rounds, head.Sequence);
    }

    [Fact]
    public async Task TwoInstancesPinningTwoItemsAtTheSameMomentLeaveExactlyOnePinnedEveryRound()
    {
        var (onFirst, onSecond) = (_onFirst!, _onSecond!);
        var feed = NewsroomRequests.UniqueFeed("race-pin");
        var left = await onFirst.PublishAsync(feed, "Left");
        var right = await onFirst.PublishAsync(feed, "Right");

        for (var round = 0; round < Rounds; round++)
        {
            // Every other round one pin is a new item posted pinned, the other a correction pinning a kept one.
            var answers = await Task.WhenAll(
                round % 2 == 0 ? PutAsync(onFirst, feed, left.Id, null, $"Left {round}", pinned: true) : PostPinnedAsync(onFirst, feed, $"New {round}"),
                PutAsync(onSecond, feed, right.Id, null, $"Right {round}", pinned: true));

            Assert.All(answers, answer => Assert.True(answer.Status is HttpStatusCode.OK or HttpStatusCode.Created, $"{answer.Status}"));
            var items = await onSecond.GetJsonAsync<ItemsPage>($"/api/feeds/{feed}/items?limit=200");
            Assert.Single(items.Items, i => i.Pinned);
        }

        // Readers see it too: replaying the events never shows two items pinned at once.
        var epoch = (await onFirst.GetJsonAsync<FeedPage>($"/api/feeds/{feed}/events")).Epoch;
        var events = (await onFirst.GetJsonAsync<FeedPage>($"/api/feeds/{feed}/events?epoch={epoch}&after=0")).Events;
        var pinned = new HashSet<string>(StringComparer.Ordinal);
        foreach (var feedEvent in events)
        {
            if (feedEvent.Item.Pinned)
            {
                pinned.Add(feedEvent.Item.Id);
            }
            else
            {
                pinned.Remove(feedEvent.Item.Id);
            }

            Assert.True(pinned.Count <= 1, $"Two items pinned after event {feedEvent.Sequence}.");
        }
    }

    private static async Task<Answer> PutAsync(HttpClient newsroom, string feed, string id, string? ifMatch, string headline, bool pinned = false)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/api/feeds/{feed}/items/{id}") { Content = JsonContent.Create(new { headline, pinned }) };
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        return await AnswerOfAsync(await newsroom.SendAsync(request));
    }

    private static async Task<Answer> PostPinnedAsync(HttpClient newsroom, string feed, string headline) =>
        await AnswerOfAsync(await newsroom.PostAsJsonAsync(new Uri($"/api/feeds/{feed}/items", UriKind.Relative), new { headline, pinned = true }));

    private static async Task<Answer> AnswerOfAsync(HttpResponseMessage response)
    {
        using (response)
        {
            var json = await response.ReadJsonAsync();
            var item = response.StatusCode == HttpStatusCode.PreconditionFailed ? json.GetProperty("item") : json;
            return new Answer(response.StatusCode, item.GetProperty("headline").GetString()!, response.Headers.ETag?.ToString() ?? "");
        }
    }

    private sealed record Answer(HttpStatusCode Status, string Headline, string ETag);
}
