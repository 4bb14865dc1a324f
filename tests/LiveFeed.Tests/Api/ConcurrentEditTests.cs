using System.Net;
using System.Net.Http.Json;
using LiveFeed.Contracts;
using LiveFeed.Tests.Infrastructure;

namespace LiveFeed.Tests.Api;

/// <summary>
/// Contract v2 "Concurrent edits" and "History": the <c>ETag</c> of every answer that carries one item, <c>If-Match</c>
/// on <c>PUT</c> and <c>DELETE</c> (412 with the current item, no event), and <c>GET .../items/{id}/history</c>.
/// </summary>
public sealed class ConcurrentEditTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>
{
    private readonly HttpClient _newsroom = fixture.Newsroom;
    private readonly HttpClient _anonymous = fixture.Anonymous;

    [Fact]
    public async Task PostGetAndPutOfAnItemNameItsVersionInAStrongETagThatChangesWithEveryEvent()
    {
        var feed = NewsroomRequests.UniqueFeed();

        using var posted = await _newsroom.PostRawAsync(feed, """{"headline":"First"}""");
        var id = (await posted.ReadJsonAsync()).GetProperty("id").GetString()!;
        using var got = await _anonymous.GetAsync(new Uri($"/api/feeds/{feed}/items/{id}", UriKind.Relative));
        using var put = await _newsroom.PutRawAsync(feed, id, """{"headline":"Second"}""");
        using var gotAgain = await _anonymous.GetAsync(new Uri($"/api/feeds/{feed}/items/{id}", UriKind.Relative));

        var tags = new[] { posted, got, put, gotAgain }.Select(response => response.Headers.ETag).ToList();
        Assert.All(tags, tag => Assert.False(tag!.IsWeak));
        Assert.Equal(tags[0], tags[1]);
        Assert.NotEqual(tags[1], tags[2]);
        Assert.Equal(tags[2], tags[3]);
        Assert.EndsWith("-1\"", tags[0]!.Tag, StringComparison.Ordinal);
        Assert.EndsWith("-2\"", tags[2]!.Tag, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AGetWithTheItemsETagInIfNoneMatchAnswers304()
    {
        var feed = NewsroomRequests.UniqueFeed();
        var item = await _newsroom.PublishAsync(feed, "Cached");
        var tag = await ETagOfAsync(feed, item.Id);

        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/feeds/{feed}/items/{item.Id}");
        request.Headers.TryAddWithoutValidation("If-None-Match", tag);
        using var response = await _anonymous.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotModified, response.StatusCode);
    }

    [Fact]
    public async Task APutWithTheCurrentETagGoesThroughAndAnswersTheNewOne()
    {
        var feed = NewsroomRequests.UniqueFeed();
        var item = await _newsroom.PublishAsync(feed, "Original");
        var tag = await ETagOfAsync(feed, item.Id);

        using var response = await SendAsync(HttpMethod.Put, feed, item.Id, tag, """{"headline":"Corrected"}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotEqual(tag, response.Headers.ETag!.ToString());
        Assert.Equal(response.Headers.ETag!.ToString(), await ETagOfAsync(feed, item.Id));
    }

    [Fact]
    public async Task APutWithAStaleETagAnswers412WithTheColleaguesItemAndStoresNothing()
    {
        var feed = NewsroomRequests.UniqueFeed();
        var item = await _newsroom.PublishAsync(feed, "Original");
        var stale = await ETagOfAsync(feed, item.Id);
        using (var colleague = await SendAsync(HttpMethod.Put, feed, item.Id, stale, """{"headline":"The colleague's correction","keyEvent":true}"""))
        {
            Assert.Equal(HttpStatusCode.OK, colleague.StatusCode);
        }

        var before = await _anonymous.StoredEventsAsync(feed);

        using var response = await SendAsync(HttpMethod.Put, feed, item.Id, stale, """{"headline":"My correction"}""");

        var problem = await Api.AssertProblemAsync(response, HttpStatusCode.PreconditionFailed);
        var current = problem.GetProperty("item");
        Assert.Equal("The colleague's correction", current.GetProperty("headline").GetString());
        Assert.Equal("desk", current.GetProperty("updatedBy").GetString());
        Assert.True(current.GetProperty("keyEvent").GetBoolean());
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$", current.GetProperty("updatedAt").GetString());
        Assert.Equal(await ETagOfAsync(feed, item.Id), response.Headers.ETag!.ToString());
        Assert.Equal(before, await _anonymous.StoredEventsAsync(feed));
    }

    [Fact]
    public async Task ADeleteWithAStaleETagAnswers412AndTheItemIsNotRetracted()
    {
        var feed = NewsroomRequests.UniqueFeed();
        var item = await _newsroom.PublishAsync(feed, "Original");
        var stale = await ETagOfAsync(feed, item.Id);
        (await _newsroom.PutRawAsync(feed, item.Id, """{"headline":"Corrected meanwhile"}""")).Dispose();

        using var response = await SendAsync(HttpMethod.Delete, feed, item.Id, stale);

        var problem = await Api.AssertProblemAsync(response, HttpStatusCode.PreconditionFailed);
        Assert.Equal("Corrected meanwhile", problem.GetProperty("item").GetProperty("headline").GetString());
        Assert.Null((await Hub.HubSteps.GetItemAsync(_anonymous, feed, item.Id)).RetractedAt);
    }

    [Fact]
    public async Task IfMatchStarGoesThroughOnAnyVersionAndAListGoesThroughWhenOneTagIsCurrent()
    {
        var feed = NewsroomRequests.UniqueFeed();
        var item = await _newsroom.PublishAsync(feed, "Original");
        var tag = await ETagOfAsync(feed, item.Id);

        using var listed = await SendAsync(HttpMethod.Put, feed, item.Id, $"\"other-7\", W/{tag}, {tag}", """{"headline":"Listed"}""");
        using var star = await SendAsync(HttpMethod.Delete, feed, item.Id, "*");

        Assert.Equal(HttpStatusCode.OK, listed.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, star.StatusCode);
    }

    [Fact]
    public async Task AWeakETagNeverMatchesBecauseIfMatchComparesStrongly()
    {
        var feed = NewsroomRequests.UniqueFeed();
        var item = await _newsroom.PublishAsync(feed, "Original");
        var tag = await ETagOfAsync(feed, item.Id);

        using var response = await SendAsync(HttpMethod.Put, feed, item.Id, "W/" + tag, """{"headline":"Weak"}""");

        await Api.AssertProblemAsync(response, HttpStatusCode.PreconditionFailed);
    }

    [Theory]
    [InlineData("1-2")]
    [InlineData("\"unterminated")]
    [InlineData("\"a\" \"b\"")]
    [InlineData("")]
    public async Task AnIfMatchThatIsNotAnETagIsRefusedNamingItAndChangesNothing(string ifMatch)
    {
        var feed = NewsroomRequests.UniqueFeed();
        var item = await _newsroom.PublishAsync(feed, "Original");
        var before = await _anonymous.StoredEventsAsync(feed);

        using var put = await SendAsync(HttpMethod.Put, feed, item.Id, ifMatch, """{"headline":"Changed"}""");
        using var delete = await SendAsync(HttpMethod.Delete, feed, item.Id, ifMatch);

        await Api.AssertInvalidAsync(put, "If-Match");
        await Api.AssertInvalidAsync(delete, "If-Match");
        Assert.Equal(before, await _anonymous.StoredEventsAsync(feed));
    }

    [Fact]
    public async Task WithAnIfMatchAnUnknownItemIsStill404AndARetractedOne409()
    {
        var feed = NewsroomRequests.UniqueFeed();
        var item = await _newsroom.PublishAsync(feed, "Soon gone");
        var tag = await ETagOfAsync(feed, item.Id);
        using (var retract = await SendAsync(HttpMethod.Delete, feed, item.Id, tag))
        {
            Assert.Equal(HttpStatusCode.NoContent, retract.StatusCode);
        }

        using var unknown = await SendAsync(HttpMethod.Put, feed, "nosuchitem", tag, """{"headline":"Nope"}""");
        using var retracted = await SendAsync(HttpMethod.Put, feed, item.Id, await ETagOfAsync(feed, item.Id), """{"headline":"Nope"}""");

        await Api.AssertProblemAsync(unknown, HttpStatusCode.NotFound);
        await Api.AssertProblemAsync(retracted, HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task PinningAnItemUnpinsTheOtherAndReadersSeeBothChangesInSequence()
    {
        var feed = NewsroomRequests.UniqueFeed();
        var first = await _newsroom.PublishAsync(feed, new { headline = "What we know so far", pinned = true });
        var second = await _newsroom.PublishAsync(feed, new { headline = "What we know now", pinned = true });

        var page = await _anonymous.GetJsonAsync<FeedPage>($"/api/feeds/{feed}/events?epoch={(await _anonymous.GetJsonAsync<FeedPage>($"/api/feeds/{feed}/events")).Epoch}&after=0");

        Assert.Equal(
            [(1L, "published", first.Id, true, "desk"), (2L, "corrected", first.Id, false, "desk"), (3L, "published", second.Id, true, "desk")],
            page.Events.Select(e => (e.Sequence, e.Kind.ToString().ToLowerInvariant(), e.Item.Id, e.Item.Pinned, e.By)));
        Assert.Equal(second.PublishedAt, page.Events[1].Item.UpdatedAt);
        var items = await _anonymous.GetJsonAsync<ItemsPage>($"/api/feeds/{feed}/items");
        Assert.Equal([second.Id], items.Items.Where(i => i.Pinned).Select(i => i.Id));
    }

    [Fact]
    public async Task AnItemsHistoryNamesWhoPublishedCorrectedAndRetractedIt()
    {
        var feed = NewsroomRequests.UniqueFeed();
        var item = await _newsroom.PublishAsync(feed, "Original");
        (await _newsroom.PutRawAsync(feed, item.Id, """{"headline":"Corrected"}""")).Dispose();
        (await _newsroom.DeleteAsync(new Uri($"/api/feeds/{feed}/items/{item.Id}", UriKind.Relative))).Dispose();

        using var response = await _newsroom.GetAsync(new Uri($"/api/feeds/{feed}/items/{item.Id}/history", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await response.ReadJsonAsync();
        Assert.Equal((feed, item.Id), (json.GetProperty("feed").GetString(), json.GetProperty("id").GetString()));
        Assert.Equal(
            [("published", "desk", "Original"), ("corrected", "desk", "Corrected"), ("retracted", "desk", "Corrected")],
            json.GetProperty("events").EnumerateArray().Select(e =>
                (e.GetProperty("kind").GetString(), e.GetProperty("by").GetString(), e.GetProperty("item").GetProperty("headline").GetString())));
    }

    [Fact]
    public async Task AHistoryNeedsANewsroomKeyAndAnUnknownItemHasNone()
    {
        var feed = NewsroomRequests.UniqueFeed();
        var item = await _newsroom.PublishAsync(feed, "Original");

        using var anonymous = await _anonymous.GetAsync(new Uri($"/api/feeds/{feed}/items/{item.Id}/history", UriKind.Relative));
        using var unknown = await _newsroom.GetAsync(new Uri($"/api/feeds/{feed}/items/nosuchitem/history", UriKind.Relative));

        await Api.AssertProblemAsync(anonymous, HttpStatusCode.Unauthorized);
        await Api.AssertProblemAsync(unknown, HttpStatusCode.NotFound);
    }

    private async Task<string> ETagOfAsync(string feed, string id)
    {
        using var response = await _anonymous.GetAsync(new Uri($"/api/feeds/{feed}/items/{id}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return response.Headers.ETag!.ToString();
    }

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string feed, string id, string ifMatch, string? body = null)
    {
        var request = new HttpRequestMessage(method, $"/api/feeds/{feed}/items/{id}") { Content = body is null ? null : Api.Json(body) };
        request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        return _newsroom.SendAsync(request);
    }
}
