using System.Net;
using System.Net.Http.Json;
using LiveFeed.Contracts;
using LiveFeed.Tests.Infrastructure;

namespace LiveFeed.Tests.Api;

/// <summary><c>POST /api/feeds/{feed}/items</c> when the request is good.</summary>
public sealed class PublishTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>
{
    private readonly HttpClient _newsroom = fixture.Newsroom;

    [Fact]
    public async Task APublishAnswers201WithTheItemAsPostedAndItsLocation()
    {
        var feed = NewsroomRequests.UniqueFeed();
        fixture.Clock.Advance(TimeSpan.FromMinutes(1));
        var now = fixture.NowToTheMillisecond();

        using var response = await _newsroom.PostRawAsync(feed, """
            {"headline":"  Ukraine downs 2 Russian helicopters  ","body":"Line one.\nLine two.","priority":"urgent",
             "tags":["ukraine","war"],"link":"https://example.com/news/1?x=1"}
            """);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var item = (await response.Content.ReadFromJsonAsync<FeedItem>())!;
        Assert.False(string.IsNullOrEmpty(item.Id));
        Assert.True(item.Id.Length <= 64);
        Assert.All(item.Id, c => Assert.True(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~', $"'{c}' is not URL-safe"));
        Assert.Equal(feed, item.Feed);
        Assert.Equal("Ukraine downs 2 Russian helicopters", item.Headline);
        Assert.Equal("Line one.\nLine two.", item.Body);
        Assert.Equal(ItemPriority.Urgent, item.Priority);
        Assert.Equal(["ukraine", "war"], item.Tags);
        Assert.Equal("https://example.com/news/1?x=1", item.Link);
        Assert.Equal(LiveFeedServer.KeyName, item.Author);
        Assert.Equal(now, item.PublishedAt);
        Assert.Null(item.UpdatedAt);
        Assert.Null(item.RetractedAt);

        Assert.Equal($"/api/feeds/{feed}/items/{item.Id}", response.Headers.Location?.OriginalString);
        Assert.Equal(item, await fixture.Anonymous.GetJsonAsync<FeedItem>(response.Headers.Location!.OriginalString) with { Tags = item.Tags });
    }

    [Fact]
    public async Task TheLocationOfAPublishedItemAnswersThatItem()
    {
        var feed = NewsroomRequests.UniqueFeed();
        using var response = await _newsroom.PostRawAsync(feed, """{"headline":"Located","tags":["a","b"]}""");
        var posted = await response.ReadJsonAsync();

        using var located = await fixture.Anonymous.GetAsync(response.Headers.Location);

        Assert.Equal(HttpStatusCode.OK, located.StatusCode);
        Assert.Equal(posted.GetRawText(), (await located.ReadJsonAsync()).GetRawText());
    }

    [Fact]
    public async Task PublishedAtIsTheServersClockToTheMillisecondAsAnIsoStringEndingInZ()
    {
        var feed = NewsroomRequests.UniqueFeed();
        fixture.Clock.Advance(TimeSpan.FromSeconds(1).Add(TimeSpan.FromTicks(3)));
        var now = fixture.NowToTheMillisecond();

        using var response = await _newsroom.PostRawAsync(feed, """{"headline":"Timed"}""");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var json = await response.ReadJsonAsync();
        Assert.Equal(now.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture), json.GetProperty("publishedAt").GetString());
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$", json.GetProperty("publishedAt").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, json.GetProperty("updatedAt").ValueKind);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, json.GetProperty("retractedAt").ValueKind);
    }

    [Fact]
    public async Task APublishWithOnlyAHeadlineGetsNormalPriorityNoTagsNoBodyAndNoLink()
    {
        var feed = NewsroomRequests.UniqueFeed();

        using var response = await _newsroom.PostRawAsync(feed, """{"headline":"Just a headline"}""");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var json = await response.ReadJsonAsync();
        Assert.Equal("Just a headline", json.GetProperty("headline").GetString());
        Assert.Equal("normal", json.GetProperty("priority").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Array, json.GetProperty("tags").ValueKind);
        Assert.Equal(0, json.GetProperty("tags").GetArrayLength());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, json.GetProperty("body").ValueKind);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, json.GetProperty("link").ValueKind);
        Assert.Equal("desk", json.GetProperty("author").GetString());
        Assert.False(json.GetProperty("pinned").GetBoolean());
        Assert.False(json.GetProperty("keyEvent").GetBoolean());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, json.GetProperty("updatedBy").ValueKind);
    }

    [Fact]
    public async Task APublishMayPinTheItemAndMarkItAKeyEvent()
    {
        var feed = NewsroomRequests.UniqueFeed();

        using var response = await _newsroom.PostRawAsync(feed, """{"headline":"What we know so far","pinned":true,"keyEvent":true}""");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var item = (await response.Content.ReadFromJsonAsync<FeedItem>())!;
        Assert.True(item.Pinned);
        Assert.True(item.KeyEvent);
        var stored = await Hub.HubSteps.GetItemAsync(fixture.Anonymous, feed, item.Id);
        Assert.Equal((true, true), (stored.Pinned, stored.KeyEvent));
    }

    [Fact]
    public async Task APublishWithNullOptionalFieldsIsTheSameAsLeavingThemOut()
    {
        var feed = NewsroomRequests.UniqueFeed();

        using var response = await _newsroom.PostRawAsync(feed, """{"headline":"Nulls","body":null,"priority":null,"tags":null,"link":null,"pinned":null,"keyEvent":null}""");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var item = (await response.Content.ReadFromJsonAsync<FeedItem>())!;
        Assert.Null(item.Body);
        Assert.Equal(ItemPriority.Normal, item.Priority);
        Assert.Empty(item.Tags);
        Assert.Null(item.Link);
        Assert.False(item.Pinned);
        Assert.False(item.KeyEvent);
    }

    [Theory]
    [InlineData("normal")]
    [InlineData("urgent")]
    [InlineData("flash")]
    public async Task EveryPriorityOfTheContractIsAccepted(string priority)
    {
        var item = await _newsroom.PublishAsync(NewsroomRequests.UniqueFeed(), new { headline = "Prioritised", priority });

        Assert.Equal(priority, item.Priority.ToString().ToLowerInvariant());
    }

    [Fact]
    public async Task AHeadlineOfExactly280CharactersIsAccepted()
    {
        var headline = new string('a', 280);

        var item = await _newsroom.PublishAsync(NewsroomRequests.UniqueFeed(), new { headline });

        Assert.Equal(headline, item.Headline);
    }

    [Fact]
    public async Task AnEmojiCountsAsOneCharacterOfAHeadline()
    {
        // 279 letters and one emoji (two UTF-16 code units): 280 characters.
        var headline = new string('a', 279) + "\U0001F680";

        var item = await _newsroom.PublishAsync(NewsroomRequests.UniqueFeed(), new { headline });

        Assert.Equal(headline, item.Headline);
    }

    [Fact]
    public async Task AnEmojiCountsAsOneCharacterOfALink()
    {
        // 2,048 characters, 1,000 of them emoji (two UTF-16 code units each): 3,048 code units.
        var prefix = "https://example.com/";
        var link = prefix + string.Concat(Enumerable.Repeat("\U0001F680", 1000)) + new string('p', 2048 - prefix.Length - 1000);

        var item = await _newsroom.PublishAsync(NewsroomRequests.UniqueFeed(), new { headline = "Linked", link });

        Assert.Equal(link, item.Link);
    }

    [Fact]
    public async Task TenTagsOf32CharactersAndALinkOf2048CharactersAreAccepted()
    {
        var tags = Enumerable.Range(0, 10).Select(i => $"{i}".PadRight(32, 't')).ToArray();
        var link = "https://example.com/" + new string('p', 2048 - "https://example.com/".Length);

        var item = await _newsroom.PublishAsync(NewsroomRequests.UniqueFeed(), new { headline = "Limits", tags, link, body = new string('b', 4000) });

        Assert.Equal(tags, item.Tags);
        Assert.Equal(link, item.Link);
        Assert.Equal(4000, item.Body!.Length);
    }

    [Fact]
    public async Task EachPublishGetsItsOwnIdAndTheNextSequence()
    {
        var feed = NewsroomRequests.UniqueFeed();

        var first = await _newsroom.PublishAsync(feed, "First");
        var second = await _newsroom.PublishAsync(feed, "Second");

        Assert.NotEqual(first.Id, second.Id);
        var page = await fixture.Anonymous.GetJsonAsync<FeedPage>($"/api/feeds/{feed}/events");
        Assert.Equal(2, page.Sequence);
        var events = await fixture.Anonymous.GetJsonAsync<FeedPage>($"/api/feeds/{feed}/events?epoch={page.Epoch}&after=0");
        Assert.Equal([1L, 2L], events.Events.Select(e => e.Sequence));
        Assert.All(events.Events, e => Assert.Equal(FeedEventKind.Published, e.Kind));
        Assert.Equal([first.Id, second.Id], events.Events.Select(e => e.Item.Id));
    }

    [Fact]
    public async Task AnItemsIdIsAUuidV7StampedWithTheServersClockAsItsPublishedAt()
    {
        fixture.Clock.Advance(TimeSpan.FromMinutes(3));
        var expected = fixture.NowToTheMillisecond();

        var item = await _newsroom.PublishAsync(NewsroomRequests.UniqueFeed(), "On the server's clock");

        // UUIDv7 (RFC 9562): the first 48 bits are the Unix time in milliseconds, then version 7.
        Assert.Matches("^[0-9a-f]{12}7[0-9a-f]{19}$", item.Id);
        var idTime = DateTime.UnixEpoch.AddMilliseconds(Convert.ToInt64(item.Id[..12], 16));
        Assert.Equal((expected, expected), (idTime, item.PublishedAt));
    }
}
