using System.Net;
using System.Net.Http.Headers;
using LiveFeed.Contracts;
using LiveFeed.Server.Newsroom;
using LiveFeed.Tests.Infrastructure;

namespace LiveFeed.Tests.Api;

/// <summary>
/// <c>Newsroom:Scopes:{name}</c>: a scoped key writes to the feeds its patterns name and is refused everywhere else with a
/// 403 naming the feed, nothing stored; <c>GET /api/newsroom/me</c> tells a key's holder its name and patterns.
/// </summary>
public sealed class ScopedKeyTests : IDisposable
{
    private const string ScopedKey = "scoped-key-for-the-ukraine-desk";
    private const string ScopedName = "ukraine-desk";

    private readonly LiveFeedServer _server = new(new Dictionary<string, string?>
    {
        [$"Newsroom:ApiKeys:{ScopedName}"] = NewsroomKeys.Hash(ScopedKey),
        [$"Newsroom:Scopes:{ScopedName}"] = "ukraine, sport-*",
    });

    private readonly HttpClient _desk;
    private readonly HttpClient _scoped;
    private readonly HttpClient _anonymous;

    public ScopedKeyTests()
    {
        _desk = _server.CreateNewsroomClient();
        _anonymous = _server.CreateAnonymousClient();
        _scoped = _server.CreateAnonymousClient();
        _scoped.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ScopedKey);
    }

    public static TheoryData<string> Writes => ["POST", "PUT", "DELETE"];

    [Fact]
    public async Task AScopedKeyWritesToTheFeedItNamesAndToTheFeedsItsPrefixPatternMatches()
    {
        var sport = NewsroomRequests.UniqueFeed("sport");

        var exact = await _scoped.PublishAsync("ukraine", "Kyiv: air raid alert lifted");
        var prefixed = await _scoped.PublishAsync(sport, "Kick-off");
        using var correction = await _scoped.PutRawAsync(sport, prefixed.Id, """{"headline":"Kick-off delayed"}""");
        using var retraction = await _scoped.DeleteAsync(new Uri($"/api/feeds/ukraine/items/{exact.Id}", UriKind.Relative));

        Assert.Equal(ScopedName, exact.Author);
        Assert.Equal(HttpStatusCode.OK, correction.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, retraction.StatusCode);
    }

    [Theory]
    [MemberData(nameof(Writes))]
    public async Task AWriteOutsideTheKeysScopeIs403NamingTheFeedAndStoresNothing(string method)
    {
        // "sport" itself is not matched by "sport-*", nor is "ukraine2" by "ukraine".
        foreach (var feed in new[] { NewsroomRequests.UniqueFeed("main"), "sport", "ukraine2" })
        {
            var existing = await _desk.PublishAsync(feed, "Standing item");
            var before = await _anonymous.StoredEventsAsync(feed);
            using var request = new HttpRequestMessage(
                new HttpMethod(method),
                method == "POST" ? $"/api/feeds/{feed}/items" : $"/api/feeds/{feed}/items/{existing.Id}");
            if (method != "DELETE")
            {
                request.Content = Api.Json("""{"headline":"Not this desk's feed"}""");
            }

            using var response = await _scoped.SendAsync(request);

            var problem = await Api.AssertProblemAsync(response, HttpStatusCode.Forbidden);
            Assert.Equal(feed, problem.GetProperty("feed").GetString());
            Assert.Contains($"'{feed}'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.Equal(before, await _anonymous.StoredEventsAsync(feed));
            var item = await _anonymous.GetJsonAsync<FeedItem>($"/api/feeds/{feed}/items/{existing.Id}");
            Assert.Equal("Standing item", item.Headline);
            Assert.Null(item.RetractedAt);
        }
    }

    [Fact]
    public async Task AnUnscopedKeyStillWritesToEveryFeed()
    {
        var item = await _desk.PublishAsync(NewsroomRequests.UniqueFeed("any"), "Anywhere");

        Assert.Equal(LiveFeedServer.KeyName, item.Author);
    }

    [Fact]
    public async Task MeAnswersTheKeysNameAndTheFeedPatternsItMayWriteTo()
    {
        var scoped = await _scoped.GetJsonAsync<NewsroomMe>("/api/newsroom/me");
        var desk = await _desk.GetJsonAsync<NewsroomMe>("/api/newsroom/me");

        Assert.Equal(ScopedName, scoped.Name);
        Assert.Equal(["ukraine", "sport-*"], scoped.Feeds);
        Assert.Equal(LiveFeedServer.KeyName, desk.Name);
        Assert.Equal(["*"], desk.Feeds);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("not-a-newsroom-key")]
    public async Task MeWithoutAValidKeyIs401WithABearerChallenge(string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/newsroom/me");
        if (key is not null)
        {
            request.Headers.Authorization = Api.Bearer(key);
        }

        using var response = await _anonymous.SendAsync(request);

        await Api.AssertProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Contains(response.Headers.WwwAuthenticate, challenge => challenge.Scheme == "Bearer");
    }

    public void Dispose()
    {
        _desk.Dispose();
        _scoped.Dispose();
        _anonymous.Dispose();
        _server.Dispose();
    }

    private sealed record NewsroomMe(string Name, IReadOnlyList<string> Feeds);
}
