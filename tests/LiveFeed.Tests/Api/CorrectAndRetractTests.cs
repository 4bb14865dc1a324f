using System.Net;
using System.Net.Http.Json;
using LiveFeed.Contracts;
using LiveFeed.Tests.Infrastructure;

namespace LiveFeed.Tests.Api;

/// <summary><c>PUT .../items/{id}</c> (correct) and <c>DELETE .../items/{id}</c> (retract).</summary>
public sealed class CorrectAndRetractTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>
{
    private readonly HttpClient _newsroom = fixture.Newsroom;
    private readonly HttpClient _anonymous = fixture.Anonymous;

    [Fact]
    public async Task ACorrectionAnswers200WithTheNewContentUpdatedAtSetAndPublishedAtUnchanged()
    {
        var feed = NewsroomRequests.UniqueFeed();
        var original = await _newsroom.PublishAsync(feed, new { headline = "Quake of 5.1", body = "First report.", priority = "urgent", tags = new[] { "quake" }, link = "https://example.com/a" });
        fixture.Clock.Advance(TimeSpan.FromMinutes(7));
        var now = fixture.NowToTheMillisecond();

        using var response = await _newsroom.PutRawAsync(feed, original.Id, """
            {"headline":" Quake of 5.4 ","body":"Magnitude revised.","priority":"flash","tags":["quake","revised"],"link":"https://example.com/b"}
            """);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var corrected = (await response.Content.ReadFromJsonAsync<FeedItem>())!;
        Assert.Equal(original.Id, corrected.Id);
        Assert.Equal(feed, corrected.Feed);
        Assert.Equal("Quake of 5.4", corrected.Headline);
        Assert.Equal("Magnitude revised.", corrected.Body);
        Assert.Equal(ItemPriority.Flash, corrected.Priority);
        Assert.Equal(["quake", "revised"], corrected.Tags);
        Assert.Equal("https://example.com/b", corrected.Link);
        Assert.Equal("desk", corrected.Author);
        Assert.Equal(original.PublishedAt, corrected.PublishedAt);
        Assert.Equal(now, corrected.UpdatedAt);
        Assert.Null(corrected.RetractedAt);
        var json = await response.ReadJsonAsync();
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$", json.GetProperty("updatedAt").GetString());
    }

    [Fact]
    public async Task ACorrectionReplacesTheWholeContentSoFieldsLeftOutGoBackToTheirDefaults()
    {
        var feed = NewsroomRequests.UniqueFeed();
        var original = await _newsroom.PublishAsync(feed, new { headline = "Full", body = "Body", priority = "flash", tags = new[] { "a" }, link = "https://example.com", pinned = true, keyEvent = true });

        using var response = await _newsroom.PutRawAsync(feed, original.Id, """{"headline":"Bare"}""");

        var corrected = (await response.Content.ReadFromJsonAsync<FeedItem>())!;
        Assert.Equal("Bare", corrected.Headline);
        Assert.Null(corrected.Body);
        Assert.Equal(ItemPriority.Normal, corrected.Priority);
        Assert.Empty(corrected.Tags);
        Assert.Null(corrected.Link);
        Assert.False(corrected.Pinned);
        Assert.False(corrected.KeyEvent);
        Assert.Equal("desk", corrected.UpdatedBy);
    }

    [Fact]
    public async Task AfterACorrectionGetAnswersTheCorrectedItemAndTheFeedHasACorrectedEvent()
    {
        var feed = NewsroomRequests.UniqueFeed();
        var original = await _newsroom.PublishAsync(feed, "Before");
        using var response = await _newsroom.PutRawAsync(feed, original.Id, """{"headline":"After"}""");
        var answered = await response.ReadJsonAsync();

        using var got = await _anonymous.GetAsync(new Uri($"/api/feeds/{feed}/items/{original.Id}", UriKind.Relative));
        var page = await _anonymous.GetJsonAsync<FeedPage>($"/api/feeds/{feed}/events");
        var events = await _anonymous.GetJsonAsync<FeedPage>($"/api/feeds/{feed}/events?epoch={page.Epoch}&after=1");

        Assert.Equal(answered.GetRawText(), (await got.ReadJsonAsync()).GetRawText());
        var corrected = Assert.Single(events.Events);
        Assert.Equal(2, corrected.Sequence);
        Assert.Equal(FeedEventKind.Corrected, corrected.Kind);
        Assert.Equal("After", corrected.Item.Headline);
        Assert.Equal(["After"], (await _anonymous.GetJsonAsync<ItemsPage>($"/api/feeds/{feed}/items")).Items.Select(i => i.Headline));
    }

    [Fact]
    public async Task ACorrectionOfAnUnknownItemAnswers404()
    {
        var feed = NewsroomRequests.UniqueFeed();
        await _newsroom.PublishAsync(feed, "Some item");
        var before = await _anonymous.StoredEventsAsync(feed);

        using var response = await _newsroom.PutRawAsync(feed, "0199a0b0c0d07e0f8a9b0c1d2e3f4a5b", """{"headline":"Nothing to correct"}""");

        await Api.AssertProblemAsync(response, HttpStatusCode.NotFound);
        Assert.Equal(before, await _anonymous.StoredEventsAsync(feed));
    }

    [Fact]
    public async Task ACorrectionOfAnItemOfAnotherFeedAnswers404()
    {
        var item = await _newsroom.PublishAsync(NewsroomRequests.UniqueFeed(), "Elsewhere");
        var feed = NewsroomRequests.UniqueFeed();

        using var response = await _newsroom.PutRawAsync(feed, item.Id, """{"headline":"Wrong feed"}""");

        await Api.AssertProblemAsync(response, HttpStatusCode.NotFound);
        Assert.Equal(0, (await _anonymous.GetJsonAsync<FeedPage>($"/api/feeds/{feed}/events")).Sequence);
    }

    [Fact]
    public async Task ACorrectionOrPinOfARetractedItemAnswers409AndChangesNothing()
    {
        var feed = NewsroomRequests.UniqueFeed();
        var item = await _newsroom.PublishAsync(feed, "Withdrawn");
        using (var retracted = await _newsroom.DeleteAsync(new Uri($"/api/feeds/{feed}/items/{item.Id}", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.NoContent, retracted.StatusCode);
        }

        var before = await _anonymous.StoredEventsAsync(feed);

        using var response = await _newsroom.PutRawAsync(feed, item.Id, """{"headline":"Revived"}""");
        using var pinning = await _newsroom.PutRawAsync(feed, item.Id, """{"headline":"Withdrawn","pinned":true}""");

        var problem = await Api.AssertProblemAsync(response, HttpStatusCode.Conflict);
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        await Api.AssertProblemAsync(pinning, HttpStatusCode.Conflict); // a retracted item is never pinned
        Assert.Equal(before, await _anonymous.StoredEventsAsync(feed));
        var stored = await _anonymous.GetJsonAsync<FeedItem>($"/api/feeds/{feed}/items/{item.Id}");
        Assert.Equal(("Withdrawn", false), (stored.Headline, stored.Pinned));
    }

    [Fact]
    public async Task ACorrectionWithBadFieldsIsRefusedLikeAPublishAndChangesNothing()
    {
        var feed = NewsroomRequests.UniqueFeed();
        var item = await _newsroom.PublishAsync(feed, "Standing");
        var before = await _anonymous.StoredEventsAsync(feed);

        using var response = await _newsroom.PutRawAsync(feed, item.Id, """{"body":"No headline","priority":"loud","link":"ftp://x","Tags":[]}""");

        await Api.AssertInvalidAsync(response, "headline", "priority", "link", "Tags");
        Assert.Equal(before, await _anonymous.StoredEventsAsync(feed));
        var stored = await _anonymous.GetJsonAsync<FeedItem>($"/api/feeds/{feed}/items/{item.Id}");
        Assert.Equal("Standing", stored.Headline);
        Assert.Null(stored.UpdatedAt);
    }

    [Theory]
    [InlineData("{\"headline\":\"Unclosed\"")]
    [InlineData("[\"not an object\"]")]
    public async Task ACorrectionWhoseBodyIsNotAJsonObjectIsRefusedNamingTheBody(string raw)
    {
        var feed = NewsroomRequests.UniqueFeed();
        var item = await _newsroom.PublishAsync(feed, "Standing");
        var before = await _anonymous.StoredEventsAsync(feed);

        using var response = await _newsroom.PutRawAsync(feed, item.Id, raw);

        await Api.AssertInvalidAsync(response, "$");
        Assert.Equal(before, await _anonymous.StoredEventsAsync(feed));
    }

    [Fact]
    public async Task ARetractionAnswers204AndAppendsARetractedEvent()
    {
        var feed = NewsroomRequests.UniqueFeed();
        var item = await _newsroom.PublishAsync(feed, "To withdraw");
        fixture.Clock.Advance(TimeSpan.FromMinutes(3));
        var now = fixture.NowToTheMillisecond();

        using var response = await _newsroom.DeleteAsync(new Uri($"/api/feeds/{feed}/items/{item.Id}", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        var page = await _anonymous.GetJsonAsync<FeedPage>($"/api/feeds/{feed}/events");
        var events = await _anonymous.GetJsonAsync<FeedPage>($"/api/feeds/{feed}/events?epoch={page.Epoch}&after=1");
        var retracted = Assert.Single(events.Events);
        Assert.Equal(FeedEventKind.Retracted, retracted.Kind);
        Assert.Equal(2, retracted.Sequence);
        Assert.Equal(item.Id, retracted.Item.Id);
        Assert.Equal(now, retracted.Item.RetractedAt);
    }

    [Fact]
    public async Task ARetractedItemIsStillAnsweredByIdWithRetractedAt()
    {
        var feed = NewsroomRequests.UniqueFeed();
        var item = await _newsroom.PublishAsync(feed, "To withdraw");
        fixture.Clock.Advance(TimeSpan.FromSeconds(30));
        var now = fixture.NowToTheMillisecond();
        using (await _newsroom.DeleteAsync(new Uri($"/api/feeds/{feed}/items/{item.Id}", UriKind.Relative)))
        {
        }

        var got = await _anonymous.GetJsonAsync<FeedItem>($"/api/feeds/{feed}/items/{item.Id}");

        Assert.Equal(now, got.RetractedAt);
        Assert.Equal(item.Headline, got.Headline);
        Assert.Equal(item.PublishedAt, got.PublishedAt);
    }

    [Fact]
    public async Task ARetractedItemIsLeftOutOfTheListAndOfAResetPage()
    {
        var feed = NewsroomRequests.UniqueFeed();
        var kept = await _newsroom.PublishAsync(feed, "Kept");
        var withdrawn = await _newsroom.PublishAsync(feed, "Withdrawn");
        using (await _newsroom.DeleteAsync(new Uri($"/api/feeds/{feed}/items/{withdrawn.Id}", UriKind.Relative)))
        {
        }

        var list = await _anonymous.GetJsonAsync<ItemsPage>($"/api/feeds/{feed}/items");
        var reset = await _anonymous.GetJsonAsync<FeedPage>($"/api/feeds/{feed}/events");

        Assert.Equal([kept.Id], list.Items.Select(i => i.Id));
        Assert.Equal([kept.Id], reset.Items.Select(i => i.Id));
    }

    [Fact]
    public async Task RetractingAgainAnswers204AndMakesNoNewEvent()
    {
        var feed = NewsroomRequests.UniqueFeed();
        var item = await _newsroom.PublishAsync(feed, "Withdrawn twice");
        var url = new Uri($"/api/feeds/{feed}/items/{item.Id}", UriKind.Relative);
        using (await _newsroom.DeleteAsync(url))
        {
        }

        var before = await _anonymous.StoredEventsAsync(feed);
        fixture.Clock.Advance(TimeSpan.FromMinutes(1));

        using var again = await _newsroom.DeleteAsync(url);

        Assert.Equal(HttpStatusCode.NoContent, again.StatusCode);
        Assert.Equal(before, await _anonymous.StoredEventsAsync(feed));
    }

    [Fact]
    public async Task RetractingAnUnknownItemAnswers404()
    {
        var feed = NewsroomRequests.UniqueFeed();
        await _newsroom.PublishAsync(feed, "Some item");
        var before = await _anonymous.StoredEventsAsync(feed);

        using var response = await _newsroom.DeleteAsync(new Uri($"/api/feeds/{feed}/items/0199a0b0c0d07e0f8a9b0c1d2e3f4a5b", UriKind.Relative));

        await Api.AssertProblemAsync(response, HttpStatusCode.NotFound);
        Assert.Equal(before, await _anonymous.StoredEventsAsync(feed));
    }

    [Fact]
    public async Task RetractingOnAFeedNeverPostedToAnswers404AndDoesNotCreateTheFeed()
    {
        var feed = NewsroomRequests.UniqueFeed();

        using var response = await _newsroom.DeleteAsync(new Uri($"/api/feeds/{feed}/items/0199a0b0c0d07e0f8a9b0c1d2e3f4a5b", UriKind.Relative));

        await Api.AssertProblemAsync(response, HttpStatusCode.NotFound);
        Assert.DoesNotContain(await _anonymous.GetJsonAsync<FeedSummary[]>("/api/feeds"), f => f.Feed == feed);
    }
}
