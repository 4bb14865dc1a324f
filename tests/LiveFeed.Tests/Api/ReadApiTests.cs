using System.Net;
using System.Text.Json;
using LiveFeed.Contracts;
using LiveFeed.Tests.Infrastructure;

namespace LiveFeed.Tests.Api;

/// <summary>The public reads: <c>GET .../items</c>, <c>GET .../items/{id}</c>, <c>GET /api/feeds</c>.</summary>
public sealed class ReadApiTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>
{
    private readonly HttpClient _newsroom = fixture.Newsroom;
    private readonly HttpClient _anonymous = fixture.Anonymous;

    [Fact]
    public async Task TheListAnswersTheFeedEpochSequenceAndItemsNewestFirst()
    {
        var feed = NewsroomRequests.UniqueFeed();
        var first = await _newsroom.PublishAsync(feed, "First");
        var second = await _newsroom.PublishAsync(feed, "Second");
        var third = await _newsroom.PublishAsync(feed, "Third");

        using var response = await _anonymous.GetAsync(new Uri($"/api/feeds/{feed}/items", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await response.ReadJsonAsync();
        Assert.Equal(["feed", "epoch", "sequence", "items", "next"], json.EnumerateObject().Select(p => p.Name));
        Assert.Equal(feed, json.GetProperty("feed").GetString());
        Assert.False(string.IsNullOrEmpty(json.GetProperty("epoch").GetString()));
        Assert.Equal(3, json.GetProperty("sequence").GetInt64());
        Assert.Equal([third.Id, second.Id, first.Id], json.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()));
        Assert.Equal(JsonValueKind.Null, json.GetProperty("next").ValueKind);
    }

    [Fact]
    public async Task TheHighlightsReadAnswersThePinnedItemAndTheKeyEventsNewestFirstWithItsPositionAndMayBeCached()
    {
        var feed = NewsroomRequests.UniqueFeed();
        var older = await _newsroom.PublishAsync(feed, new { headline = "Polls open", keyEvent = true });
        var pinned = await _newsroom.PublishAsync(feed, new { headline = "What we know", pinned = true });
        await _newsroom.PublishAsync(feed, "Turnout is high");
        var newer = await _newsroom.PublishAsync(feed, new { headline = "First results", keyEvent = true });

        using var response = await _anonymous.GetAsync(new Uri($"/api/feeds/{feed}/highlights", UriKind.Relative));
        using var pinnedOnly = await _anonymous.GetAsync(new Uri($"/api/feeds/{feed}/pinned", UriKind.Relative));

        Assert.Equal((HttpStatusCode.OK, true), (response.StatusCode, response.Headers.CacheControl?.Public));
        var json = await response.ReadJsonAsync();
        Assert.Equal(["feed", "epoch", "sequence", "pinned", "keyEvents"], json.EnumerateObject().Select(p => p.Name));
        Assert.Equal((feed, 4L), (json.GetProperty("feed").GetString(), json.GetProperty("sequence").GetInt64()));
        Assert.Equal(pinned.Id, json.GetProperty("pinned").GetProperty("id").GetString());
        Assert.Equal([newer.Id, older.Id], json.GetProperty("keyEvents").EnumerateArray().Select(i => i.GetProperty("id").GetString()));
        var pinnedJson = await pinnedOnly.ReadJsonAsync();
        Assert.Equal(["feed", "epoch", "sequence", "item"], pinnedJson.EnumerateObject().Select(p => p.Name));
        Assert.Equal(pinned.Id, pinnedJson.GetProperty("item").GetProperty("id").GetString());
    }

    [Fact]
    public async Task TheListLeavesRetractedItemsOutButItsSequenceCountsTheRetraction()
    {
        var feed = NewsroomRequests.UniqueFeed();
        var first = await _newsroom.PublishAsync(feed, "First");
        var second = await _newsroom.PublishAsync(feed, "Second");
        var third = await _newsroom.PublishAsync(feed, "Third");
        using (await _newsroom.DeleteAsync(new Uri($"/api/feeds/{feed}/items/{second.Id}", UriKind.Relative)))
        {
        }

        var page = await _anonymous.GetJsonAsync<ItemsPage>($"/api/feeds/{feed}/items");

        Assert.Equal([third.Id, first.Id], page.Items.Select(i => i.Id));
        Assert.Equal(4, page.Sequence);
    }

    [Theory]
    [InlineData(1, 7)]
    [InlineData(3, 3)]
    [InlineData(7, 1)]
    [InlineData(200, 1)]
    public async Task FollowingNextUntilNullAnswersEveryItemExactlyOnceNewestFirst(int limit, int expectedPages)
    {
        var feed = NewsroomRequests.UniqueFeed();
        var posted = new List<FeedItem>();
        for (var i = 0; i < 8; i++)
        {
            posted.Add(await _newsroom.PublishAsync(feed, $"Item {i}"));
        }

        // A retraction in the middle of a page must not make the paging skip or repeat anything.
        using (await _newsroom.DeleteAsync(new Uri($"/api/feeds/{feed}/items/{posted[4].Id}", UriKind.Relative)))
        {
        }

        var expected = posted.Where((_, i) => i != 4).Select(i => i.Id).Reverse().ToList();
        var seen = new List<string>();
        var pages = 0;
        string? url = $"/api/feeds/{feed}/items?limit={limit}";
        while (url is not null)
        {
            Assert.True(++pages <= expected.Count, "next never ends");
            var page = await _anonymous.GetJsonAsync<ItemsPage>(url);
            Assert.InRange(page.Items.Count, 1, limit);
            seen.AddRange(page.Items.Select(i => i.Id));
            Assert.True(page.Next is null || page.Next.StartsWith($"/api/feeds/{feed}/items?", StringComparison.Ordinal), page.Next);
            url = page.Next;
        }

        Assert.Equal(expected, seen);
        Assert.Equal(expectedPages, pages);
    }

    [Fact]
    public async Task APageThatEndsExactlyAtTheOldestItemHasNoNext()
    {
        var feed = NewsroomRequests.UniqueFeed();
        await _newsroom.PublishAsync(feed, "One");
        await _newsroom.PublishAsync(feed, "Two");

        var page = await _anonymous.GetJsonAsync<ItemsPage>($"/api/feeds/{feed}/items?limit=2");

        Assert.Equal(2, page.Items.Count);
        Assert.Null(page.Next);
    }

    [Fact]
    public async Task ALimitOf200IsAccepted()
    {
        var feed = NewsroomRequests.UniqueFeed();
        await _newsroom.PublishAsync(feed, "One");

        var page = await _anonymous.GetJsonAsync<ItemsPage>($"/api/feeds/{feed}/items?limit=200");

        Assert.Single(page.Items);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("201")]
    [InlineData("-1")]
    [InlineData("abc")]
    [InlineData("1.5")]
    [InlineData("99999999999")]
    public async Task AListLimitOutOfRangeOrNotAWholeNumberIsRefusedNamingTheLimit(string limit)
    {
        var feed = NewsroomRequests.UniqueFeed();
        await _newsroom.PublishAsync(feed, "One");

        using var response = await _anonymous.GetAsync(new Uri($"/api/feeds/{feed}/items?limit={limit}", UriKind.Relative));

        await Api.AssertInvalidAsync(response, "limit");
    }

    [Theory]
    [InlineData("0199a0b0c0d07e0f8a9b0c1d2e3f4a5b")]
    [InlineData("not..an..id")]
    public async Task AListBeforeAnUnknownItemIsRefusedNamingBefore(string before)
    {
        var feed = NewsroomRequests.UniqueFeed();
        await _newsroom.PublishAsync(feed, "One");

        using var response = await _anonymous.GetAsync(new Uri($"/api/feeds/{feed}/items?before={Uri.EscapeDataString(before)}", UriKind.Relative));

        await Api.AssertInvalidAsync(response, "before");
    }

    [Fact]
    public async Task AListBeforeAnItemOfAnotherFeedIsRefusedNamingBefore()
    {
        var other = await _newsroom.PublishAsync(NewsroomRequests.UniqueFeed(), "Elsewhere");
        var feed = NewsroomRequests.UniqueFeed();
        await _newsroom.PublishAsync(feed, "Here");

        using var response = await _anonymous.GetAsync(new Uri($"/api/feeds/{feed}/items?before={other.Id}", UriKind.Relative));

        await Api.AssertInvalidAsync(response, "before");
    }

    [Fact]
    public async Task AFeedNeverPostedToIsEmptyNotAnError()
    {
        var feed = NewsroomRequests.UniqueFeed();

        using var response = await _anonymous.GetAsync(new Uri($"/api/feeds/{feed}/items", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var page = (await response.ReadJsonAsync()).Deserialize<ItemsPage>(JsonSerializerOptions.Web)!;
        Assert.Equal(feed, page.Feed);
        Assert.Equal(0, page.Sequence);
        Assert.Empty(page.Items);
        Assert.Null(page.Next);
        Assert.False(string.IsNullOrEmpty(page.Epoch));
    }

    [Theory]
    [InlineData("Bad_Name")]
    [InlineData("Main")]
    [InlineData("-x")]
    [InlineData("x-")]
    [InlineData("a.b")]
    [InlineData("main%0A")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    public async Task ABadFeedNameIsRefusedNamingTheFeed(string feed)
    {
        Assert.False(FeedName.IsValid(feed));
        foreach (var url in new[] { $"/api/feeds/{feed}/items", $"/api/feeds/{feed}/events", $"/api/feeds/{feed}/items/0199a0b0c0d07e0f8a9b0c1d2e3f4a5b" })
        {
            using var response = await _anonymous.GetAsync(new Uri(url, UriKind.Relative));
            await Api.AssertInvalidAsync(response, "feed");
        }
    }

    [Fact]
    public async Task AFeedNameOf64CharactersIsValid()
    {
        var feed = NewsroomRequests.UniqueFeed().PadRight(64, 'z');

        var item = await _newsroom.PublishAsync(feed, "Long feed name");

        Assert.Equal(feed, (await _anonymous.GetJsonAsync<ItemsPage>($"/api/feeds/{feed}/items")).Items.Single(i => i.Id == item.Id).Feed);
    }

    [Fact]
    public async Task GettingAnUnknownItemAnswers404WithAProblem()
    {
        var feed = NewsroomRequests.UniqueFeed();
        await _newsroom.PublishAsync(feed, "One");

        foreach (var id in new[] { "0199a0b0c0d07e0f8a9b0c1d2e3f4a5b", "not..an..id", new string('a', 65) })
        {
            using var response = await _anonymous.GetAsync(new Uri($"/api/feeds/{feed}/items/{id}", UriKind.Relative));
            await Api.AssertProblemAsync(response, HttpStatusCode.NotFound);
        }
    }

    [Fact]
    public async Task TheFeedListNamesEveryPostedFeedWithItsEpochAndSequence()
    {
        var a = NewsroomRequests.UniqueFeed("list");
        var b = NewsroomRequests.UniqueFeed("list");
        var unread = NewsroomRequests.UniqueFeed("list");
        await _newsroom.PublishAsync(a, "One");
        var item = await _newsroom.PublishAsync(b, "One");
        await _newsroom.PublishAsync(b, "Two");
        using (await _newsroom.DeleteAsync(new Uri($"/api/feeds/{b}/items/{item.Id}", UriKind.Relative)))
        {
        }

        using (await _anonymous.GetAsync(new Uri($"/api/feeds/{unread}/items", UriKind.Relative)))
        {
        }

        using var response = await _anonymous.GetAsync(new Uri("/api/feeds", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await response.ReadJsonAsync();
        Assert.Equal(JsonValueKind.Array, json.ValueKind);
        var feeds = json.EnumerateArray().ToDictionary(f => f.GetProperty("feed").GetString()!);
        Assert.Equal(["feed", "epoch", "sequence"], feeds[a].EnumerateObject().Select(p => p.Name));
        Assert.Equal(1, feeds[a].GetProperty("sequence").GetInt64());
        Assert.Equal(3, feeds[b].GetProperty("sequence").GetInt64());
        var epoch = (await _anonymous.GetJsonAsync<FeedPage>($"/api/feeds/{b}/events")).Epoch;
        Assert.Equal(epoch, feeds[b].GetProperty("epoch").GetString());
        Assert.False(feeds.ContainsKey(unread), "reading a feed must not create it");
    }
}
