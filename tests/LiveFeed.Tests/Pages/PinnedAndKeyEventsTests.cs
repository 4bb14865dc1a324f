using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using LiveFeed.Contracts;
using LiveFeed.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace LiveFeed.Tests.Pages;

/// <summary>
/// The pinned item ("What we know so far") and the "Key events" list above the column: on the reader page, as the
/// server rendered it and then live, and in the widget on a news site's page, which builds them from the feed.
/// </summary>
[Collection(BrowserTests.Name)]
public sealed class PinnedAndKeyEventsTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IDisposable
{
    private readonly LiveFeedServer _server = new();

    [Fact]
    public async Task ThePinnedItemAndKeyEventsStandAboveTheColumnOnTheReaderPageAndTheWidgetAndFollowAMovedPin()
    {
        var feed = NewsroomRequests.UniqueFeed("desk");
        using var newsroom = _server.CreateNewsroomClient();
        var talks = await newsroom.PublishAsync(feed, new { headline = "Ceasefire talks begin in Geneva", keyEvent = true });
        await newsroom.PublishAsync(feed, new { headline = "What we know so far", body = "Talks began at 9.", pinned = true });
        await newsroom.PublishAsync(feed, "Delegations arrive at the palace");

        var reader = await browser.NewPageAsync();
        await ReaderPageTests.OpenReaderAsync(reader, _server.BaseAddress, feed, "json");
        await using var site = await NewsSiteWithTheWidgetAsync(feed);
        var embedded = await browser.NewPageAsync();
        await embedded.GotoAsync(new Uri(site.Address, "/our-story").ToString());
        await Expect(embedded.Locator(".lf-status")).ToHaveAttributeAsync("data-state", "live");

        foreach (var page in new[] { reader, embedded })
        {
            // Pinned above the column, and not in it twice; the key event listed, linking to its item.
            await Expect(page.Locator(".lf-pinned .lf-headline")).ToHaveTextAsync("What we know so far");
            await Expect(page.Locator(".lf-pinned .lf-body")).ToHaveTextAsync("Talks began at 9.");
            await Expect(page.Locator(".lf-items .lf-headline")).ToHaveTextAsync(["Delegations arrive at the palace", "Ceasefire talks begin in Geneva"]);
            var keyEvents = page.GetByRole(AriaRole.Navigation, new() { Name = "Key events" });
            await Expect(keyEvents.GetByRole(AriaRole.Link)).ToHaveTextAsync([new Regex("Ceasefire talks begin in Geneva$")]);
            await Expect(keyEvents.GetByRole(AriaRole.Link)).ToHaveAttributeAsync("href", new Regex($"/feeds/{feed}/items/{talks.Id}$"));
        }

        await Screenshots.SaveAsync(reader, "reader-pinned-and-key-events");
        await Screenshots.SaveAsync(embedded, "widget-pinned-and-key-events");

        // A new pin: the old one is unpinned in the same write (its own event) and goes back to its place.
        var update = await newsroom.PublishAsync(feed, new { headline = "Talks adjourned until tomorrow", pinned = true, keyEvent = true });
        foreach (var page in new[] { reader, embedded })
        {
            await Expect(page.Locator(".lf-pinned .lf-headline")).ToHaveTextAsync("Talks adjourned until tomorrow");
            await Expect(page.Locator(".lf-items .lf-headline")).ToHaveTextAsync(
                ["Delegations arrive at the palace", "What we know so far", "Ceasefire talks begin in Geneva"]);
            await Expect(page.GetByRole(AriaRole.Navigation, new() { Name = "Key events" }).Locator(".lf-key-headline"))
                .ToHaveTextAsync(["Talks adjourned until tomorrow", "Ceasefire talks begin in Geneva"]);
        }

        // A correction that takes the key event off removes it from the list; a retraction of the pin empties the box.
        using (var corrected = await newsroom.PutAsJsonAsync($"/api/feeds/{feed}/items/{talks.Id}", new { headline = "Ceasefire talks begin in Geneva" }))
        {
            Assert.Equal(HttpStatusCode.OK, corrected.StatusCode);
        }

        using (var retracted = await newsroom.DeleteAsync($"/api/feeds/{feed}/items/{update.Id}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, retracted.StatusCode);
        }

        foreach (var page in new[] { reader, embedded })
        {
            await Expect(page.Locator(".lf-pinned")).ToBeHiddenAsync();
            await Expect(page.GetByRole(AriaRole.Navigation, new() { Name = "Key events" })).ToBeHiddenAsync();
            await Expect(page.Locator(".lf-items .lf-headline")).ToHaveTextAsync(
                ["Delegations arrive at the palace", "What we know so far", "Ceasefire talks begin in Geneva"]);
        }

        // A key event's link takes the reader to the item in the column, on the page.
        var marked = await newsroom.PublishAsync(feed, new { headline = "Both sides agree on a prisoner exchange", keyEvent = true });
        var link = reader.GetByRole(AriaRole.Navigation, new() { Name = "Key events" }).GetByRole(AriaRole.Link);
        await Expect(link).ToHaveTextAsync(new Regex("Both sides agree on a prisoner exchange$"));
        var address = reader.Url;
        await link.ClickAsync();
        await Expect(reader.Locator($".lf-items .lf-item[data-id='{marked.Id}']")).ToBeFocusedAsync();
        Assert.Equal(address, reader.Url);
    }

    [Fact]
    public async Task APinnedItemAndKeyEventsOlderThanTheLatestItemsAreShownOnAFreshLoadOfTheReaderPageTheWidgetAndTheIncludedColumnUntilChanged()
    {
        var feed = NewsroomRequests.UniqueFeed("desk");
        using var newsroom = _server.CreateNewsroomClient();
        var evacuation = await newsroom.PublishAsync(feed, new { headline = "Evacuation ordered downstream", keyEvent = true });
        var summary = await newsroom.PublishAsync(feed, new { headline = "What we know so far", body = "The dam held overnight.", pinned = true });
        await newsroom.PublishAsync(feed, new { headline = "Evacuation lifted", keyEvent = true });
        var updates = new List<FeedItem>();
        for (var i = 1; i <= 60; i++) // more than a reset page's 50 items (Feed:SnapshotSize)
        {
            updates.Add(await newsroom.PublishAsync(feed, $"Update {i}"));
        }

        var reader = await browser.NewPageAsync();
        await ReaderPageTests.OpenReaderAsync(reader, _server.BaseAddress, feed, "json");
        await using var site = await NewsSiteWithTheWidgetAsync(feed);
        var embedded = await browser.NewPageAsync();
        await embedded.GotoAsync(new Uri(site.Address, "/our-story").ToString());
        await using var includingSite = await ReaderPageTests.NewsSiteAsync(() => ColumnIncludeTests.StoryWithColumnAsync(_server, feed));
        var included = await browser.NewPageAsync();
        await included.GotoAsync(new Uri(includingSite.Address, "/our-story").ToString());

        var pages = new[] { reader, embedded, included };
        foreach (var page in pages)
        {
            await Expect(page.Locator(".lf-status")).ToHaveAttributeAsync("data-state", "live");
            await Expect(page.Locator(".lf-pinned .lf-headline")).ToHaveTextAsync("What we know so far");
            await Expect(page.Locator(".lf-pinned .lf-body")).ToHaveTextAsync("The dam held overnight.");
            await Expect(page.Locator(".lf-items .lf-headline:text-is('Update 60')")).ToBeVisibleAsync();
            await Expect(page.Locator(".lf-items .lf-headline:text-is('Update 11')")).ToBeVisibleAsync(); // the 50th newest
            await Expect(page.Locator($".lf-items .lf-item[data-id='{summary.Id}']")).ToHaveCountAsync(0);
            await Expect(page.Locator(".lf-key-events .lf-key-headline")).ToHaveTextAsync(["Evacuation lifted", "Evacuation ordered downstream"]);
        }

        // An old item marked a key event afterwards, live: in its place in the feed (newer than the two), not last.
        using (var marked = await newsroom.PutAsJsonAsync($"/api/feeds/{feed}/items/{updates[2].Id}", new { headline = "Update 3: levels falling", keyEvent = true }))
        {
            Assert.Equal(HttpStatusCode.OK, marked.StatusCode);
        }

        foreach (var page in pages)
        {
            await Expect(page.Locator(".lf-key-events .lf-key-headline"))
                .ToHaveTextAsync(["Update 3: levels falling", "Evacuation lifted", "Evacuation ordered downstream"]);
        }

        // Unpinned and no longer a key event, live: the boxes change on every page.
        using (var unpinned = await newsroom.PutAsJsonAsync($"/api/feeds/{feed}/items/{summary.Id}", new { headline = "What we know so far", body = "The dam held overnight." }))
        {
            Assert.Equal(HttpStatusCode.OK, unpinned.StatusCode);
        }

        using (var unmarked = await newsroom.PutAsJsonAsync($"/api/feeds/{feed}/items/{evacuation.Id}", new { headline = "Evacuation ordered downstream" }))
        {
            Assert.Equal(HttpStatusCode.OK, unmarked.StatusCode);
        }

        foreach (var page in pages)
        {
            await Expect(page.Locator(".lf-pinned")).ToBeHiddenAsync();
            await Expect(page.Locator(".lf-key-events .lf-key-headline")).ToHaveTextAsync(["Update 3: levels falling", "Evacuation lifted"]);
            await Expect(page.Locator(".lf-items .lf-headline:text-is('Update 60')")).ToBeVisibleAsync();
        }

        // A fresh load after the unpin shows no pinned item.
        await embedded.ReloadAsync();
        await Expect(embedded.Locator(".lf-status")).ToHaveAttributeAsync("data-state", "live");
        await Expect(embedded.Locator(".lf-items .lf-headline:text-is('Update 60')")).ToBeVisibleAsync();
        await Expect(embedded.Locator(".lf-pinned")).ToBeHiddenAsync();
        await Expect(embedded.Locator(".lf-key-events .lf-key-headline")).ToHaveTextAsync(["Update 3: levels falling", "Evacuation lifted"]);
    }

    [Fact]
    public async Task WhenAKeyEventLeavesAFullListTheNextOlderOneTakesItsPlaceLive()
    {
        var feed = NewsroomRequests.UniqueFeed("desk");
        using var newsroom = _server.CreateNewsroomClient();
        var keyEvents = new List<FeedItem>();
        for (var i = 1; i <= 51; i++) // one more than the list holds
        {
            keyEvents.Add(await newsroom.PublishAsync(feed, new { headline = $"Key {i}", keyEvent = true }));
        }

        var reader = await browser.NewPageAsync();
        await ReaderPageTests.OpenReaderAsync(reader, _server.BaseAddress, feed, "json");
        var headlines = reader.Locator(".lf-key-events .lf-key-headline");
        await Expect(headlines).ToHaveCountAsync(50);
        await Expect(headlines.Last).ToHaveTextAsync("Key 2");

        using (var retracted = await newsroom.DeleteAsync($"/api/feeds/{feed}/items/{keyEvents[^1].Id}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, retracted.StatusCode);
        }

        await Expect(headlines.First).ToHaveTextAsync("Key 50");
        await Expect(headlines.Last).ToHaveTextAsync("Key 1");
        await Expect(headlines).ToHaveCountAsync(50);
    }

    /// <summary>A news site whose story page embeds the widget (its script tag only) for <paramref name="feed"/>.</summary>
    private Task<ReaderPageTests.NewsSite> NewsSiteWithTheWidgetAsync(string feed)
    {
        var widget = new Uri(_server.BaseAddress, "/widget.js");
        return ReaderPageTests.NewsSiteAsync(() => Task.FromResult($"""
            <!doctype html><html lang="en"><head><title>The Daily Example</title></head>
            <body><h1>Our story</h1><aside><script src="{widget}" data-feed="{feed}" async></script></aside></body></html>
            """));
    }

    public void Dispose() => _server.Dispose();
}
