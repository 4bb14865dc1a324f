using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LiveFeed.Contracts;
using LiveFeed.Tests.Api;
using Checks = LiveFeed.Tests.Api.Api;
using LiveFeed.Tests.Infrastructure;

namespace LiveFeed.Tests.Schedule;

/// <summary>
/// The scheduled-item API on one in-memory server whose clock the tests move: a POST with <c>publishAt</c> answers 202
/// and makes no event; at its time the item goes out under its id to readers like any publish; bad input changes nothing.
/// </summary>
public sealed class ScheduledItemsApiTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>
{
    private readonly HttpClient _newsroom = fixture.Newsroom;
    private readonly string _feed = NewsroomRequests.UniqueFeed("scheduled");

    private DateTime Now => fixture.NowToTheMillisecond();

    private static string Timestamp(DateTime time) => time.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private async Task<(HttpResponseMessage Response, ScheduledItem Item)> ScheduleAsync(object body, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/feeds/{_feed}/items") { Content = JsonContent.Create(body) };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        var response = await _newsroom.SendAsync(request);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (response, (await response.Content.ReadFromJsonAsync<ScheduledItem>())!);
    }

    private Task<ScheduledItemsPage> ListAsync() => _newsroom.GetJsonAsync<ScheduledItemsPage>($"/api/feeds/{_feed}/scheduled");

    private async Task<FeedEvent> NextEventAfterAsync(TestReader reader, TimeSpan advance)
    {
        fixture.Clock.Advance(advance);
        return await reader.NextEventAsync();
    }

    [Fact]
    public async Task AnItemPostedWithPublishAtIsAcceptedWithoutAnEventAndGoesOutUnderItsIdAtItsTime()
    {
        await using var reader = await fixture.Server.ConnectReaderAsync(HubProtocolKind.MessagePack);
        await reader.SubscribeAsync(_feed);
        var publishAt = Now + TimeSpan.FromMinutes(10);

        var (response, scheduled) = await ScheduleAsync(new { headline = "Embargoed results", body = "At ten", priority = "urgent", tags = new[] { "vote" }, link = "https://example.com/r", keyEvent = true, publishAt = Timestamp(publishAt) });
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var beforeItsTime = await _newsroom.GetAsync(new Uri($"/api/feeds/{_feed}/items/{scheduled.Id}", UriKind.Relative));
        var atItsLocation = await _newsroom.GetJsonAsync<ScheduledItem>(response.Headers.Location!.OriginalString);
        var listed = await ListAsync();
        var early = await reader.StaysQuietAsync(TimeSpan.FromMilliseconds(300));
        var published = await NextEventAfterAsync(reader, TimeSpan.FromMinutes(10));

        Assert.Equal($"/api/feeds/{_feed}/scheduled/{scheduled.Id}", response.Headers.Location?.OriginalString);
        Assert.Equal(
            ["id", "feed", "publishAt", "headline", "body", "priority", "tags", "link", "pinned", "keyEvent", "author"],
            json.EnumerateObject().Select(property => property.Name));
        Assert.Equal(Timestamp(publishAt), json.GetProperty("publishAt").GetString());
        Assert.Equal((_feed, "Embargoed results", LiveFeedServer.KeyName, false, true), (scheduled.Feed, scheduled.Headline, scheduled.Author, scheduled.Pinned, scheduled.KeyEvent));
        Assert.Equal(HttpStatusCode.NotFound, beforeItsTime.StatusCode);
        Assert.Equal([scheduled.Id], listed.Items.Select(item => item.Id));
        Assert.Equal(scheduled with { Tags = [] }, atItsLocation with { Tags = [] });
        Assert.Equal(scheduled.Tags, atItsLocation.Tags);
        Assert.True(early);
        Assert.Equal((FeedEventKind.Published, scheduled.Id, "Embargoed results", "At ten", ItemPriority.Urgent), (published.Kind, published.Item.Id, published.Item.Headline, published.Item.Body, published.Item.Priority));
        Assert.Equal((false, true, LiveFeedServer.KeyName), (published.Item.Pinned, published.Item.KeyEvent, published.By));
        Assert.Equal(publishAt, published.Item.PublishedAt);
        Assert.Equal(scheduled.Id, (await _newsroom.GetJsonAsync<FeedItem>($"/api/feeds/{_feed}/items/{scheduled.Id}")).Id);
        Assert.Empty((await ListAsync()).Items);
        await AssertNotWaitingAsync(scheduled.Id);
    }

    [Fact]
    public async Task ScheduledItemsAreListedSoonestFirstAndAReplacementChangesContentAndTimeButNotTheAuthor()
    {
        var (_, later) = await ScheduleAsync(new { headline = "Later", publishAt = Timestamp(Now + TimeSpan.FromHours(2)) });
        var (_, sooner) = await ScheduleAsync(new { headline = "Sooner", publishAt = Timestamp(Now + TimeSpan.FromHours(1)) });
        var before = await ListAsync();

        using var replaced = await _newsroom.PutAsJsonAsync($"/api/feeds/{_feed}/scheduled/{later.Id}", new { headline = "Now soonest", priority = "flash", publishAt = Timestamp(Now + TimeSpan.FromMinutes(30)) });
        var after = await ListAsync();

        Assert.Equal([sooner.Id, later.Id], before.Items.Select(item => item.Id));
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        var body = (await replaced.Content.ReadFromJsonAsync<ScheduledItem>())!;
        Assert.Equal((later.Id, "Now soonest", ItemPriority.Flash, Now + TimeSpan.FromMinutes(30), LiveFeedServer.KeyName), (body.Id, body.Headline, body.Priority, body.PublishAt, body.Author));
        Assert.Equal([later.Id, sooner.Id], after.Items.Select(item => item.Id));
        Assert.Equal("Now soonest", after.Items[0].Headline);
    }

    [Fact]
    public async Task ACancelledItemNeverGoesOutAndCancellingItAgainAnswers404()
    {
        await using var reader = await fixture.Server.ConnectReaderAsync();
        await reader.SubscribeAsync(_feed);
        var (_, cancelled) = await ScheduleAsync(new { headline = "Cancelled", publishAt = Timestamp(Now + TimeSpan.FromMinutes(1)) });
        var (_, kept) = await ScheduleAsync(new { headline = "Kept", publishAt = Timestamp(Now + TimeSpan.FromMinutes(2)) });

        using var cancel = await _newsroom.DeleteAsync(new Uri($"/api/feeds/{_feed}/scheduled/{cancelled.Id}", UriKind.Relative));
        var published = await NextEventAfterAsync(reader, TimeSpan.FromMinutes(3));

        Assert.Equal(HttpStatusCode.NoContent, cancel.StatusCode);
        Assert.Equal(kept.Id, published.Item.Id);
        Assert.True(await reader.StaysQuietAsync(TimeSpan.FromMilliseconds(500)));
        Assert.Equal(HttpStatusCode.NotFound, (await _newsroom.GetAsync(new Uri($"/api/feeds/{_feed}/items/{cancelled.Id}", UriKind.Relative))).StatusCode);
        await AssertNotWaitingAsync(cancelled.Id);
    }

    [Fact]
    public async Task ARetryWithTheSameIdempotencyKeyAnswersTheFirstScheduledItemAndSchedulesNothingNew()
    {
        var body = new { headline = "Once", publishAt = Timestamp(Now + TimeSpan.FromMinutes(5)) };

        var (first, item) = await ScheduleAsync(body, "retry-1");
        var (retry, again) = await ScheduleAsync(body, "retry-1");

        Assert.False(first.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal("true", Assert.Single(retry.Headers.GetValues("Idempotent-Replayed")));
        Assert.Equal(item.Id, again.Id);
        Assert.Equal([item.Id], (await ListAsync()).Items.Select(listed => listed.Id));
    }

    public static TheoryData<string, string> BadTimes => new()
    {
        { "in the past", "-00:00:01" },
        { "less than 5 s ahead", "00:00:04.999" },
        { "beyond 30 days", "30.00:00:01" },
    };

    [Theory]
    [MemberData(nameof(BadTimes))]
    public async Task APublishAtTooSoonOrTooLateIsRefusedNamingPublishAtAndChangesNothing(string what, string lead)
    {
        await _newsroom.PublishAsync(_feed, "Already here");
        var events = await _newsroom.StoredEventsAsync(_feed);
        var publishAt = Timestamp(Now + TimeSpan.Parse(lead, CultureInfo.InvariantCulture));

        using var response = await _newsroom.PostAsJsonAsync($"/api/feeds/{_feed}/items", new { headline = what, publishAt });

        await Checks.AssertInvalidAsync(response, "publishAt");
        Assert.Empty((await ListAsync()).Items);
        Assert.Equal(events, await _newsroom.StoredEventsAsync(_feed));
    }

    [Theory]
    [InlineData("""{"headline":"No offset","publishAt":"2030-01-01T10:00:00"}""", "publishAt")]
    [InlineData("""{"headline":"Not a time","publishAt":"tomorrow"}""", "publishAt")]
    [InlineData("""{"headline":"A number","publishAt":1893492000000}""", "publishAt")]
    [InlineData("""{"headline":"","publishAt":"2020-01-01T10:00:00Z"}""", "headline", "publishAt")]
    public async Task APublishAtThatNamesNoInstantIsRefusedNamingEveryBadField(string body, params string[] fields)
    {
        using var response = await _newsroom.PostRawAsync(_feed, body);

        await Checks.AssertInvalidAsync(response, fields);
        Assert.Empty((await ListAsync()).Items);
    }

    [Fact]
    public async Task APublishAtOnTheCorrectionOfAPublishedItemIsRefusedNamingPublishAt()
    {
        var item = await _newsroom.PublishAsync(_feed, "Out already");

        using var response = await _newsroom.PutRawAsync(_feed, item.Id, $$"""{"headline":"Later","publishAt":"{{Timestamp(Now + TimeSpan.FromHours(1))}}"}""");

        var errors = await Checks.AssertInvalidAsync(response, "publishAt");
        Assert.Contains("already published", Checks.Messages(errors, "publishAt"), StringComparison.Ordinal);
        Assert.Equal("Out already", (await _newsroom.GetJsonAsync<FeedItem>($"/api/feeds/{_feed}/items/{item.Id}")).Headline);
    }

    [Fact]
    public async Task AReplacementWithoutPublishAtOrOfAnUnknownItemIsRefusedAndChangesNothing()
    {
        var (_, item) = await ScheduleAsync(new { headline = "Waiting", publishAt = Timestamp(Now + TimeSpan.FromHours(1)) });

        using var withoutTime = await _newsroom.PutAsJsonAsync($"/api/feeds/{_feed}/scheduled/{item.Id}", new { headline = "No time" });
        using var otherFeed = await _newsroom.PutAsJsonAsync($"/api/feeds/{NewsroomRequests.UniqueFeed("other")}/scheduled/{item.Id}", new { headline = "Elsewhere", publishAt = Timestamp(Now + TimeSpan.FromHours(1)) });
        using var cancelElsewhere = await _newsroom.DeleteAsync(new Uri($"/api/feeds/{NewsroomRequests.UniqueFeed("other")}/scheduled/{item.Id}", UriKind.Relative));

        await Checks.AssertInvalidAsync(withoutTime, "publishAt");
        await Checks.AssertProblemAsync(otherFeed, HttpStatusCode.NotFound);
        await Checks.AssertProblemAsync(cancelElsewhere, HttpStatusCode.NotFound);
        await AssertNotWaitingAsync(Guid.CreateVersion7().ToString("N"));
        var listed = Assert.Single((await ListAsync()).Items);
        Assert.Equal("Waiting", listed.Headline);
    }

    [Fact]
    public async Task TheScheduledItemApiAnswers401WithoutANewsroomKey()
    {
        var (_, item) = await ScheduleAsync(new { headline = "Secret", publishAt = Timestamp(Now + TimeSpan.FromHours(1)) });
        using var anonymous = fixture.Server.CreateAnonymousClient();

        using var list = await anonymous.GetAsync(new Uri($"/api/feeds/{_feed}/scheduled", UriKind.Relative));
        using var read = await anonymous.GetAsync(new Uri($"/api/feeds/{_feed}/scheduled/{item.Id}", UriKind.Relative));
        using var replace = await anonymous.PutAsJsonAsync($"/api/feeds/{_feed}/scheduled/{item.Id}", new { headline = "Changed", publishAt = Timestamp(Now + TimeSpan.FromHours(1)) });
        using var cancel = await anonymous.DeleteAsync(new Uri($"/api/feeds/{_feed}/scheduled/{item.Id}", UriKind.Relative));

        Assert.All([list, read, replace, cancel], response => Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode));
        Assert.Equal("Secret", Assert.Single((await ListAsync()).Items).Headline);
    }

    /// <summary>A read, a replacement and a cancel of an item that is not waiting all answer a 404 problem.</summary>
    private async Task AssertNotWaitingAsync(string id)
    {
        using var read = await _newsroom.GetAsync(new Uri($"/api/feeds/{_feed}/scheduled/{id}", UriKind.Relative));
        await Checks.AssertProblemAsync(read, HttpStatusCode.NotFound);
        using var replace = await _newsroom.PutAsJsonAsync($"/api/feeds/{_feed}/scheduled/{id}", new { headline = "Too late", publishAt = Timestamp(Now + TimeSpan.FromHours(1)) });
        using var cancel = await _newsroom.DeleteAsync(new Uri($"/api/feeds/{_feed}/scheduled/{id}", UriKind.Relative));
        await Checks.AssertProblemAsync(replace, HttpStatusCode.NotFound);
        await Checks.AssertProblemAsync(cancel, HttpStatusCode.NotFound);
    }
}
