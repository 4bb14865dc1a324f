using System.Net;
using System.Text.Json;
using LiveFeed.Tests.Infrastructure;

namespace LiveFeed.Tests.Api;

/// <summary>
/// A publish that breaks a rule of the contract answers 400 with an <c>errors</c> object naming each bad
/// field, and stores nothing: every test posts to a feed that already has an item and compares its events.
/// </summary>
public sealed class PublishValidationTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>, IAsyncLifetime
{
    private readonly HttpClient _newsroom = fixture.Newsroom;
    private readonly string _feed = NewsroomRequests.UniqueFeed("bad");

    public async Task InitializeAsync() => await _newsroom.PublishAsync(_feed, new { headline = "Already here", tags = new[] { "x" } });

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task APublishWithoutAHeadlineIsRefusedNamingTheHeadline() =>
        await AssertRefusedAsync("""{"body":"No headline"}""", "headline");

    [Fact]
    public async Task APublishWithANullHeadlineIsRefusedNamingTheHeadline() =>
        await AssertRefusedAsync("""{"headline":null}""", "headline");

    [Fact]
    public async Task APublishWithABlankHeadlineIsRefusedNamingTheHeadline() =>
        await AssertRefusedAsync("""{"headline":"  \t  "}""", "headline");

    [Fact]
    public async Task APublishWithAHeadlineOf281CharactersIsRefusedNamingTheHeadline()
    {
        var errors = await AssertRefusedAsync(Body(new { headline = new string('a', 281) }), "headline");

        Assert.Contains("280", Api.Messages(errors, "headline"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AHeadlineOf280CharactersAndOneEmojiIsOneCharacterTooLong() =>
        await AssertRefusedAsync(Body(new { headline = new string('a', 280) + "\U0001F680" }), "headline");

    [Fact]
    public async Task AHeadlineLongOnlyBecauseOfSurroundingSpacesIsTrimmedAndAccepted()
    {
        var headline = new string('a', 280);

        using var response = await _newsroom.PostRawAsync(_feed, Body(new { headline = $"   {headline}   " }));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(headline, (await response.ReadJsonAsync()).GetProperty("headline").GetString());
    }

    [Theory]
    [InlineData("Two\nlines")]
    [InlineData("Tab\tinside")]
    [InlineData("Bell\u0007")]
    [InlineData("Nul\u0000inside")]
    public async Task APublishWithAControlCharacterInTheHeadlineIsRefusedNamingTheHeadline(string headline) =>
        await AssertRefusedAsync(Body(new { headline }), "headline");

    [Fact]
    public async Task APublishWithAHeadlineThatIsNotAStringIsRefusedNamingTheHeadline() =>
        await AssertRefusedAsync("""{"headline":42}""", "headline");

    [Fact]
    public async Task APublishWithABodyOver4000CharactersIsRefusedNamingTheBody() =>
        await AssertRefusedAsync(Body(new { headline = "Long body", body = new string('b', 4001) }), "body");

    [Fact]
    public async Task APublishWithAControlCharacterOtherThanALineBreakInTheBodyIsRefusedNamingTheBody() =>
        await AssertRefusedAsync(Body(new { headline = "Bell", body = "Ring\u0007" }), "body");

    [Fact]
    public async Task APublishWithAnUnknownPriorityIsRefusedNamingThePriority() =>
        await AssertRefusedAsync("""{"headline":"Loud","priority":"breaking"}""", "priority");

    [Fact]
    public async Task APriorityIsLowercaseSoAnUppercasePriorityIsRefused() =>
        await AssertRefusedAsync("""{"headline":"Loud","priority":"Urgent"}""", "priority");

    [Theory]
    [InlineData("1")]
    [InlineData("true")]
    [InlineData("[\"urgent\"]")]
    [InlineData("{\"level\":\"urgent\"}")]
    public async Task APublishWithAPriorityOfTheWrongTypeIsRefusedNamingThePriority(string priority) =>
        await AssertRefusedAsync($$"""{"headline":"Loud","priority":{{priority}}}""", "priority");

    [Theory]
    [InlineData("\"ukraine\"")]
    [InlineData("{\"0\":\"ukraine\"}")]
    [InlineData("7")]
    public async Task APublishWhoseTagsAreNotAnArrayIsRefusedNamingTheTags(string tags) =>
        await AssertRefusedAsync($$"""{"headline":"Tagged","tags":{{tags}}}""", "tags");

    [Fact]
    public async Task APublishWithElevenTagsIsRefusedNamingTheTags() =>
        await AssertRefusedAsync(Body(new { headline = "Tagged", tags = Enumerable.Range(0, 11).Select(i => $"t{i}").ToArray() }), "tags");

    [Fact]
    public async Task APublishWithATagOver32CharactersIsRefusedNamingThatTag() =>
        await AssertRefusedAsync(Body(new { headline = "Tagged", tags = new[] { "fine", new string('t', 33) } }), "tags[1]");

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public async Task APublishWithAnEmptyTagIsRefusedNamingThatTag(string tag) =>
        await AssertRefusedAsync(Body(new { headline = "Tagged", tags = new[] { tag } }), "tags[0]");

    [Fact]
    public async Task APublishWithATagThatIsNotAStringIsRefusedNamingThatTag() =>
        await AssertRefusedAsync("""{"headline":"Tagged","tags":["ok",3]}""", "tags[1]");

    [Theory]
    [InlineData("example.com/news")]
    [InlineData("/news/1")]
    [InlineData("news")]
    [InlineData("https://")]
    public async Task APublishWithALinkThatIsNotAnAbsoluteUrlIsRefusedNamingTheLink(string link) =>
        await AssertRefusedAsync(Body(new { headline = "Linked", link }), "link");

    [Theory]
    [InlineData("ftp://example.com/file")]
    [InlineData("javascript:alert(1)")]
    [InlineData("file:///etc/passwd")]
    [InlineData("mailto:desk@example.com")]
    public async Task APublishWithALinkThatIsNotHttpOrHttpsIsRefusedNamingTheLink(string link) =>
        await AssertRefusedAsync(Body(new { headline = "Linked", link }), "link");

    [Fact]
    public async Task APublishWithALinkOver2048CharactersIsRefusedNamingTheLink() =>
        await AssertRefusedAsync(Body(new { headline = "Linked", link = "https://example.com/" + new string('p', 2049 - "https://example.com/".Length) }), "link");

    [Fact]
    public async Task APublishWhosePinnedOrKeyEventIsNotTrueOrFalseIsRefusedNamingBoth() =>
        await AssertRefusedAsync("""{"headline":"Flags","pinned":"yes","keyEvent":1}""", "pinned", "keyEvent");

    [Fact]
    public async Task APublishWithAnUnknownFieldIsRefusedNamingTheField() =>
        await AssertRefusedAsync("""{"headline":"Extra","author":"someone else"}""", "author");

    [Fact]
    public async Task APublishWithTwoUnknownFieldsIsRefusedNamingBoth() =>
        await AssertRefusedAsync("""{"headline":"Extra","publishedAt":"2020-01-01T00:00:00.000Z","color":"red"}""", "publishedAt", "color");

    [Fact]
    public async Task AFieldNameInTheWrongCaseIsAnUnknownFieldAndTheHeadlineIsStillMissing()
    {
        var errors = await AssertRefusedAsync("""{"Headline":"Wrong case"}""", "Headline", "headline");

        Assert.Contains("'headline'", Api.Messages(errors, "Headline"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task APublishGivingAFieldTwiceIsRefusedNamingTheField() =>
        await AssertRefusedAsync("""{"headline":"Once","headline":"Twice"}""", "headline");

    [Fact]
    public async Task APublishWithSeveralBadFieldsIsRefusedNamingEveryOne() =>
        await AssertRefusedAsync(
            Body(new
            {
                headline = new string('h', 281),
                body = new string('b', 4001),
                priority = "loud",
                tags = new[] { "ok", "" },
                link = "ftp://example.com",
                extra = 1,
            }),
            "headline", "body", "priority", "tags[1]", "link", "extra");

    [Theory]
    [InlineData("{\"headline\":\"Unclosed\"")]
    [InlineData("{headline:\"Unquoted\"}")]
    [InlineData("{\"headline\":\"Trailing comma\",}")]
    [InlineData("")]
    [InlineData("{\"headline\":\"Two documents\"}{}")]
    public async Task APublishWithMalformedJsonIsRefusedNamingTheBody(string raw) =>
        await AssertRefusedAsync(raw, "$");

    [Theory]
    [InlineData("[{\"headline\":\"In an array\"}]")]
    [InlineData("\"A headline\"")]
    [InlineData("null")]
    [InlineData("42")]
    public async Task APublishWhoseJsonIsNotAnObjectIsRefusedNamingTheBody(string raw) =>
        await AssertRefusedAsync(raw, "$");

    [Theory]
    [InlineData("Bad_Name", "Bad_Name")]
    [InlineData("main%0A", "main\n")]
    public async Task ABadFeedNameInAPublishIsRefusedNamingTheFeedAndNothingIsStored(string inUrl, string name)
    {
        using var response = await _newsroom.PostRawAsync(inUrl, """{"headline":"Wrong feed"}""");

        await Api.AssertInvalidAsync(response, "feed");
        var feeds = await fixture.Anonymous.GetJsonAsync<LiveFeed.Contracts.FeedSummary[]>("/api/feeds");
        Assert.DoesNotContain(feeds, f => string.Equals(f.Feed, name, StringComparison.OrdinalIgnoreCase));
    }

    private static string Body(object value) => JsonSerializer.Serialize(value, JsonSerializerOptions.Web);

    private async Task<JsonElement> AssertRefusedAsync(string raw, params string[] fields)
    {
        var before = await fixture.Anonymous.StoredEventsAsync(_feed);

        using var response = await _newsroom.PostRawAsync(_feed, raw);

        var errors = await Api.AssertInvalidAsync(response, fields);
        Assert.Equal(before, await fixture.Anonymous.StoredEventsAsync(_feed));
        return errors;
    }
}
