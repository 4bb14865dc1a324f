using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using LiveFeed.Contracts;
using LiveFeed.Tests.Api;
using LiveFeed.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;
using static Microsoft.Playwright.Assertions;

namespace LiveFeed.Tests.Pages;

/// <summary>
/// The pages show a feed's items in the feed's own order (the order of its events), which is the order the API and the
/// hub give, never by <c>publishedAt</c> or id: items go out in the same millisecond, and their ids are not made in the
/// order they go out (a scheduled item keeps the id it got when it was scheduled).
/// </summary>
[Collection(BrowserTests.Name)]
public sealed class ItemOrderTests : IClassFixture<BrowserFixture>, IDisposable
{
    private readonly BrowserFixture _browser;
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private readonly LiveFeedServer _server;

    public ItemOrderTests(BrowserFixture browser)
    {
        _browser = browser;
        _server = new(clock: _clock);
    }

    [Fact]
    public async Task ItemsThatGoOutInTheSameMillisecondShowInTheFeedsOrderLiveOnAFreshLoadAndInTheConsole()
    {
        var feed = NewsroomRequests.UniqueFeed("order");
        using var newsroom = _server.CreateNewsroomClient();
        await newsroom.PublishAsync(feed, "Polls close");
        var reader = await _browser.NewPageAsync();
        await ReaderPageTests.OpenReaderAsync(reader, _server.BaseAddress, feed, "json");

        // Ids are made from the server's clock: the item scheduled first has the smaller id, yet goes out second, in
        // the same round of the schedule as the other, at the same (frozen) publishedAt.
        var now = _clock.GetUtcNow().UtcDateTime;
        var second = await ScheduleAsync(newsroom, feed, "Exit poll: turnout at 71%", now.AddSeconds(7));
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        var first = await ScheduleAsync(newsroom, feed, "Count begins in the capital", now.AddSeconds(6));
        Assert.True(string.CompareOrdinal(second.Id, first.Id) < 0, "the item that goes out second has the smaller id");
        _clock.Advance(TimeSpan.FromSeconds(7));
        // Scheduling wakes the schedule, which then reads the moved clock (a sleep it began meanwhile would still wait
        // on the clock as it was). This one goes out long after the test.
        await ScheduleAsync(newsroom, feed, "Results by region", now.AddHours(1));

        await Expect(reader.Locator(".lf-items .lf-item")).ToHaveCountAsync(3);
        string[] expected = ["Exit poll: turnout at 71%", "Count begins in the capital", "Polls close"];
        var api = await newsroom.GetJsonAsync<ItemsPage>($"/api/feeds/{feed}/items");
        Assert.Equal(expected, api.Items.Select(item => item.Headline));
        Assert.Equal(api.Items[0].PublishedAt, api.Items[1].PublishedAt);
        await Expect(reader.Locator(".lf-items .lf-headline")).ToHaveTextAsync(expected);

        // A fresh load (the column the server rendered, taken over by the script) and the console (a reset page).
        var loaded = await _browser.NewPageAsync();
        await ReaderPageTests.OpenReaderAsync(loaded, _server.BaseAddress, feed, "json");
        var console = await NewsroomConsoleTests.OpenConsoleAsync(_browser, _server.BaseAddress, feed);
        await Expect(loaded.Locator(".lf-items .lf-headline")).ToHaveTextAsync(expected);
        await Expect(console.Locator("#recent .lf-items .lf-headline")).ToHaveTextAsync(expected);

        // The next item goes on top everywhere, in the same millisecond as the two before it.
        var next = await newsroom.PublishAsync(feed, "Early results due at midnight");
        Assert.Equal(api.Items[0].PublishedAt, next.PublishedAt);
        foreach (var list in new[] { reader.Locator(".lf-items .lf-headline"), loaded.Locator(".lf-items .lf-headline"), console.Locator("#recent .lf-items .lf-headline") })
        {
            await Expect(list).ToHaveTextAsync(["Early results due at midnight", .. expected]);
        }
    }

    private static async Task<ScheduledItem> ScheduleAsync(HttpClient newsroom, string feed, string headline, DateTime publishAt)
    {
        using var response = await newsroom.PostAsJsonAsync($"/api/feeds/{feed}/items", new
        {
            headline,
            publishAt = publishAt.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<ScheduledItem>())!;
    }

    public void Dispose() => _server.Dispose();
}
