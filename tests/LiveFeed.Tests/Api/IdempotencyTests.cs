using System.Net;
using System.Net.Http.Json;
using LiveFeed.Contracts;
using LiveFeed.Tests.Infrastructure;

namespace LiveFeed.Tests.Api;

/// <summary>
/// <c>Idempotency-Key</c> on a publish: a retry with the same key on the same feed within 24 hours
/// answers the original item and makes no new event.
/// </summary>
public sealed class IdempotencyTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>
{
    [Fact]
    public async Task ARetryWithTheSameKeyAnswers201WithTheOriginalItemAndMakesNoNewEvent()
    {
        var feed = NewsroomRequests.UniqueFeed();
        var key = Guid.NewGuid().ToString();
        using var first = await PublishAsync(feed, key, "Flash: quake");
        var original = await first.ReadJsonAsync();
        var eventsAfterFirst = await fixture.Anonymous.StoredEventsAsync(feed);
        fixture.Clock.Advance(TimeSpan.FromSeconds(5));

        using var retry = await PublishAsync(feed, key, "Flash: quake");

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        Assert.Equal(original.GetRawText(), (await retry.ReadJsonAsync()).GetRawText());
        Assert.Equal(first.Headers.Location, retry.Headers.Location);
        Assert.Equal(eventsAfterFirst, await fixture.Anonymous.StoredEventsAsync(feed));
        var page = await fixture.Anonymous.GetJsonAsync<FeedPage>($"/api/feeds/{feed}/events");
        Assert.Equal(1, page.Sequence);
        Assert.Single(page.Items);
    }

    [Fact]
    public async Task ARetryThatDiffersFromTheOriginalStillAnswersTheOriginalItem()
    {
        var feed = NewsroomRequests.UniqueFeed();
        var key = Guid.NewGuid().ToString();
        using var first = await PublishAsync(feed, key, "First wording");

        using var retry = await PublishAsync(feed, key, "Second wording");

        var item = (await retry.Content.ReadFromJsonAsync<FeedItem>())!;
        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        Assert.Equal((await first.Content.ReadFromJsonAsync<FeedItem>())!.Id, item.Id);
        Assert.Equal("First wording", item.Headline);
        Assert.Equal(1, (await fixture.Anonymous.GetJsonAsync<FeedPage>($"/api/feeds/{feed}/events")).Sequence);
    }

    [Fact]
    public async Task TheSameKeyOnAnotherFeedMakesANewItem()
    {
        var feed = NewsroomRequests.UniqueFeed();
        var other = NewsroomRequests.UniqueFeed();
        var key = Guid.NewGuid().ToString();
        using var first = await PublishAsync(feed, key, "Same words");

        using var elsewhere = await PublishAsync(other, key, "Same words");

        Assert.Equal(HttpStatusCode.Created, elsewhere.StatusCode);
        var a = (await first.Content.ReadFromJsonAsync<FeedItem>())!;
        var b = (await elsewhere.Content.ReadFromJsonAsync<FeedItem>())!;
        Assert.NotEqual(a.Id, b.Id);
        Assert.Equal(other, b.Feed);
        Assert.Equal(1, (await fixture.Anonymous.GetJsonAsync<FeedPage>($"/api/feeds/{other}/events")).Sequence);
        Assert.Equal(1, (await fixture.Anonymous.GetJsonAsync<FeedPage>($"/api/feeds/{feed}/events")).Sequence);
    }

    [Fact]
    public async Task ADifferentKeyOnTheSameFeedMakesANewItem()
    {
        var feed = NewsroomRequests.UniqueFeed();
        using var first = await PublishAsync(feed, Guid.NewGuid().ToString(), "Same words");

        using var second = await PublishAsync(feed, Guid.NewGuid().ToString(), "Same words");

        Assert.NotEqual(
            (await first.Content.ReadFromJsonAsync<FeedItem>())!.Id,
            (await second.Content.ReadFromJsonAsync<FeedItem>())!.Id);
        Assert.Equal(2, (await fixture.Anonymous.GetJsonAsync<FeedPage>($"/api/feeds/{feed}/events")).Sequence);
    }

    [Fact]
    public async Task PublishesWithoutAKeyAreNeverTakenForRetries()
    {
        var feed = NewsroomRequests.UniqueFeed();

        var first = await fixture.Newsroom.PublishAsync(feed, "Same words");
        var second = await fixture.Newsroom.PublishAsync(feed, "Same words");

        Assert.NotEqual(first.Id, second.Id);
        Assert.Equal(2, (await fixture.Anonymous.GetJsonAsync<FeedPage>($"/api/feeds/{feed}/events")).Sequence);
    }

    [Fact]
    public async Task ARetry23HoursLaterStillAnswersTheOriginalItem()
    {
        var feed = NewsroomRequests.UniqueFeed();
        var key = Guid.NewGuid().ToString();
        using var first = await PublishAsync(feed, key, "Remembered");
        fixture.Clock.Advance(TimeSpan.FromHours(23));

        using var retry = await PublishAsync(feed, key, "Remembered");

        Assert.Equal(
            (await first.Content.ReadFromJsonAsync<FeedItem>())!.Id,
            (await retry.Content.ReadFromJsonAsync<FeedItem>())!.Id);
        Assert.Equal(1, (await fixture.Anonymous.GetJsonAsync<FeedPage>($"/api/feeds/{feed}/events")).Sequence);
    }

    [Fact]
    public async Task TheSameKeyMoreThan24HoursLaterMakesANewItem()
    {
        var feed = NewsroomRequests.UniqueFeed();
        var key = Guid.NewGuid().ToString();
        using var first = await PublishAsync(feed, key, "Forgotten");
        fixture.Clock.Advance(TimeSpan.FromHours(24) + TimeSpan.FromMinutes(1));

        using var later = await PublishAsync(feed, key, "Forgotten");

        Assert.Equal(HttpStatusCode.Created, later.StatusCode);
        Assert.NotEqual(
            (await first.Content.ReadFromJsonAsync<FeedItem>())!.Id,
            (await later.Content.ReadFromJsonAsync<FeedItem>())!.Id);
        Assert.Equal(2, (await fixture.Anonymous.GetJsonAsync<FeedPage>($"/api/feeds/{feed}/events")).Sequence);
    }

    private async Task<HttpResponseMessage> PublishAsync(string feed, string key, string headline)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/feeds/{feed}/items")
        {
            Content = JsonContent.Create(new { headline }),
        };
        request.Headers.Add("Idempotency-Key", key);
        var response = await fixture.Newsroom.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }
}
