using System.Net;
using System.Net.Http.Headers;
using LiveFeed.Contracts;
using LiveFeed.Tests.Infrastructure;

namespace LiveFeed.Tests.Api;

/// <summary>
/// Writes need <c>Authorization: Bearer &lt;newsroom key&gt;</c>: without it, 401 with
/// <c>WWW-Authenticate: Bearer</c>, a problem body that never repeats the key presented, and nothing stored.
/// </summary>
public sealed class AuthTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>
{
    private const string WrongKey = "wrong-key-9f8e7d6c5b4a";

    public static TheoryData<string> Writes => ["POST", "PUT", "DELETE"];

    [Theory]
    [MemberData(nameof(Writes))]
    public async Task AWriteWithoutAKeyIsRefusedWithABearerChallenge(string method) =>
        await AssertRefusedAsync(method, authorization: null, presented: null);

    [Theory]
    [MemberData(nameof(Writes))]
    public async Task AWriteWithAWrongKeyIsRefusedWithABearerChallengeThatDoesNotRepeatTheKey(string method) =>
        await AssertRefusedAsync(method, Api.Bearer(WrongKey), WrongKey);

    [Theory]
    [MemberData(nameof(Writes))]
    public async Task AWriteWithTheRightKeyUnderANonBearerSchemeIsRefusedWithoutRepeatingTheKey(string method) =>
        await AssertRefusedAsync(method, new AuthenticationHeaderValue("Basic", LiveFeedServer.NewsroomKey), LiveFeedServer.NewsroomKey);

    [Theory]
    [MemberData(nameof(Writes))]
    public async Task AWriteWithAnEmptyBearerIsRefusedWithABearerChallenge(string method) =>
        await AssertRefusedAsync(method, new AuthenticationHeaderValue("Bearer"), presented: null);

    [Fact]
    public async Task TheKeyIsCheckedBeforeTheBodySoAStrangerLearnsNothingFromValidation()
    {
        var feed = NewsroomRequests.UniqueFeed();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/feeds/{feed}/items") { Content = Api.Json("""{"nonsense":1}""") };

        using var response = await fixture.Anonymous.SendAsync(request);

        await Api.AssertProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task ReadsNeedNoKey()
    {
        var feed = NewsroomRequests.UniqueFeed();
        var item = await fixture.Newsroom.PublishAsync(feed, "Public");

        using var list = await fixture.Anonymous.GetAsync(new Uri($"/api/feeds/{feed}/items", UriKind.Relative));
        using var one = await fixture.Anonymous.GetAsync(new Uri($"/api/feeds/{feed}/items/{item.Id}", UriKind.Relative));
        using var events = await fixture.Anonymous.GetAsync(new Uri($"/api/feeds/{feed}/events", UriKind.Relative));
        using var feeds = await fixture.Anonymous.GetAsync(new Uri("/api/feeds", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Equal(HttpStatusCode.OK, one.StatusCode);
        Assert.Equal(HttpStatusCode.OK, events.StatusCode);
        Assert.Equal(HttpStatusCode.OK, feeds.StatusCode);
    }

    private async Task AssertRefusedAsync(string method, AuthenticationHeaderValue? authorization, string? presented)
    {
        var feed = NewsroomRequests.UniqueFeed("auth");
        var existing = await fixture.Newsroom.PublishAsync(feed, "Standing item");
        var before = await fixture.Anonymous.StoredEventsAsync(feed);
        using var request = new HttpRequestMessage(
            new HttpMethod(method),
            method == "POST" ? $"/api/feeds/{feed}/items" : $"/api/feeds/{feed}/items/{existing.Id}");
        if (method != "DELETE")
        {
            request.Content = Api.Json("""{"headline":"Not allowed"}""");
        }

        request.Headers.Authorization = authorization;

        using var response = await fixture.Anonymous.SendAsync(request);

        await Api.AssertProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Contains(response.Headers.WwwAuthenticate, challenge => challenge.Scheme == "Bearer");
        if (presented is not null)
        {
            Assert.DoesNotContain(presented, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.DoesNotContain(response.Headers.SelectMany(h => h.Value), value => value.Contains(presented, StringComparison.Ordinal));
        }

        Assert.Equal(before, await fixture.Anonymous.StoredEventsAsync(feed));
        var item = await fixture.Anonymous.GetJsonAsync<FeedItem>($"/api/feeds/{feed}/items/{existing.Id}");
        Assert.Equal("Standing item", item.Headline);
        Assert.Null(item.RetractedAt);
    }
}
