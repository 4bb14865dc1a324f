using System.Net;
using LiveFeed.Contracts;
using LiveFeed.Tests.Infrastructure;

namespace LiveFeed.Tests.Api;

/// <summary><c>GET /api/feeds/{feed}/events?epoch=&amp;after=&amp;limit=</c>, by the same rules as <c>Subscribe</c>.</summary>
public sealed class EventsApiTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>
{
    private readonly HttpClient _newsroom = fixture.Newsroom;
    private readonly HttpClient _anonymous = fixture.Anonymous;

    [Fact]
    public async Task WithoutAPositionTheAnswerIsAResetPageWithTheLatestItemsNewestFirst()
    {
        var feed = NewsroomRequests.UniqueFeed();
        var first = await _newsroom.PublishAsync(feed, "First");
        var second = await _newsroom.PublishAsync(feed, "Second");

        var page = await _anonymous.GetJsonAsync<FeedPage>($"/api/feeds/{feed}/events");

        Assert.Equal(feed, page.Feed);
        Assert.True(page.Reset);
        Assert.Equal(2, page.Sequence);
        Assert.Equal([second.Id, first.Id], page.Items.Select(i => i.Id));
        Assert.Empty(page.Events);
    }

    [Fact]
    public async Task APositionInTheEpochAnswersExactlyTheLaterEventsOldestFirst()
    {
        var feed = NewsroomRequests.UniqueFeed();
        var first = await _newsroom.PublishAsync(feed, "First");
        var epoch = (await _anonymous.GetJsonAsync<FeedPage>($"/api/feeds/{feed}/events")).Epoch;
        var second = await _newsroom.PublishAsync(feed, "Second");
        using (await _newsroom.PutRawAsync(feed, first.Id, """{"headline":"First, corrected"}"""))
        {
        }

        using (await _newsroom.DeleteAsync(new Uri($"/api/feeds/{feed}/items/{second.Id}", UriKind.Relative)))
        {
        }

        var page = await _anonymous.GetJsonAsync<FeedPage>($"/api/feeds/{feed}/events?epoch={epoch}&after=1");

        Assert.False(page.Reset);
        Assert.Equal(4, page.Sequence);
        Assert.Empty(page.Items);
        Assert.Equal([2L, 3L, 4L], page.Events.Select(e => e.Sequence));
        Assert.Equal([FeedEventKind.Published, FeedEventKind.Corrected, FeedEventKind.Retracted], page.Events.Select(e => e.Kind));
        Assert.Equal([second.Id, first.Id, second.Id], page.Events.Select(e => e.Item.Id));
        Assert.All(page.Events, e => Assert.Equal(epoch, e.Epoch));
        Assert.All(page.Events, e => Assert.Equal(feed, e.Feed));
        Assert.Equal("First, corrected", page.Events[1].Item.Headline);
        Assert.NotNull(page.Events[2].Item.RetractedAt);
    }

    [Fact]
    public async Task APositionAtTheHeadAnswersNoEventsAndNoReset()
    {
        var feed = NewsroomRequests.UniqueFeed();
        await _newsroom.PublishAsync(feed, "Only");
        var epoch = (await _anonymous.GetJsonAsync<FeedPage>($"/api/feeds/{feed}/events")).Epoch;

        var page = await _anonymous.GetJsonAsync<FeedPage>($"/api/feeds/{feed}/events?epoch={epoch}&after=1");

        Assert.False(page.Reset);
        Assert.Equal(1, page.Sequence);
        Assert.Empty(page.Events);
        Assert.Empty(page.Items);
    }

    [Fact]
    public async Task APositionFromAnotherEpochAnswersAResetPage()
    {
        var feed = NewsroomRequests.UniqueFeed();
        var item = await _newsroom.PublishAsync(feed, "Only");

        var page = await _anonymous.GetJsonAsync<FeedPage>($"/api/feeds/{feed}/events?epoch=another-epoch&after=1");

        Assert.True(page.Reset);
        Assert.NotEqual("another-epoch", page.Epoch);
        Assert.Equal(1, page.Sequence);
        Assert.Equal([item.Id], page.Items.Select(i => i.Id));
        Assert.Empty(page.Events);
    }

    [Fact]
    public async Task APositionAheadOfTheFeedAnswersAResetPage()
    {
        var feed = NewsroomRequests.UniqueFeed();
        var item = await _newsroom.PublishAsync(feed, "Only");
        var epoch = (await _anonymous.GetJsonAsync<FeedPage>($"/api/feeds/{feed}/events")).Epoch;

        var page = await _anonymous.GetJsonAsync<FeedPage>($"/api/feeds/{feed}/events?epoch={epoch}&after=5");

        Assert.True(page.Reset);
        Assert.Equal(1, page.Sequence);
        Assert.Equal([item.Id], page.Items.Select(i => i.Id));
        Assert.Empty(page.Events);
    }

    [Fact]
    public async Task ALimitCapsTheEventsWhileSequenceStillShowsTheHead()
    {
        var feed = NewsroomRequests.UniqueFeed();
        for (var i = 0; i < 5; i++)
        {
            await _newsroom.PublishAsync(feed, $"Item {i}");
        }

        var epoch = (await _anonymous.GetJsonAsync<FeedPage>($"/api/feeds/{feed}/events")).Epoch;

        var page = await _anonymous.GetJsonAsync<FeedPage>($"/api/feeds/{feed}/events?epoch={epoch}&after=1&limit=2");
        var rest = await _anonymous.GetJsonAsync<FeedPage>($"/api/feeds/{feed}/events?epoch={epoch}&after=3&limit=2");

        Assert.False(page.Reset);
        Assert.Equal(5, page.Sequence);
        Assert.Equal([2L, 3L], page.Events.Select(e => e.Sequence));
        Assert.Equal([4L, 5L], rest.Events.Select(e => e.Sequence));
    }

    [Fact]
    public async Task AnEmptyFeedsEpochIsTheOneItsFirstEventCarries()
    {
        var feed = NewsroomRequests.UniqueFeed();
        var empty = await _anonymous.GetJsonAsync<FeedPage>($"/api/feeds/{feed}/events");
        Assert.True(empty.Reset);
        Assert.Equal(0, empty.Sequence);
        Assert.Empty(empty.Items);

        var item = await _newsroom.PublishAsync(feed, "First ever");
        var page = await _anonymous.GetJsonAsync<FeedPage>($"/api/feeds/{feed}/events?epoch={empty.Epoch}&after=0");

        Assert.False(page.Reset);
        var published = Assert.Single(page.Events);
        Assert.Equal(empty.Epoch, published.Epoch);
        Assert.Equal(1, published.Sequence);
        Assert.Equal(item.Id, published.Item.Id);
    }

    [Fact]
    public async Task EmptyParametersAreParametersLeftOut()
    {
        var feed = NewsroomRequests.UniqueFeed();
        var item = await _newsroom.PublishAsync(feed, "Only");

        var page = await _anonymous.GetJsonAsync<FeedPage>($"/api/feeds/{feed}/events?epoch=&after=&limit=");
        var items = await _anonymous.GetJsonAsync<ItemsPage>($"/api/feeds/{feed}/items?limit=&before=");

        Assert.True(page.Reset);
        Assert.Equal([item.Id], page.Items.Select(i => i.Id));
        Assert.Equal([item.Id], items.Items.Select(i => i.Id));
    }

    [Theory]
    [InlineData("after=3", "epoch")]
    [InlineData("epoch=abc", "after")]
    [InlineData("epoch=&after=1", "epoch")]
    [InlineData("epoch=abc&after=x", "after")]
    [InlineData("epoch=abc&after=-1", "after")]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=1001", "limit")]
    [InlineData("limit=many", "limit")]
    public async Task AnIncompleteOrBadPositionOrLimitIsRefusedNamingTheParameter(string query, string field)
    {
        var feed = NewsroomRequests.UniqueFeed();
        await _newsroom.PublishAsync(feed, "Only");

        using var response = await _anonymous.GetAsync(new Uri($"/api/feeds/{feed}/events?{query}", UriKind.Relative));

        await Api.AssertInvalidAsync(response, field);
    }
}
