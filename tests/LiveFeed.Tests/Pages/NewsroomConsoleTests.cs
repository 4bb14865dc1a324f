using System.Net.Http.Json;
using System.Text.RegularExpressions;
using LiveFeed.Contracts;
using LiveFeed.Tests.Infrastructure;
using LiveFeed.Server.Newsroom;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace LiveFeed.Tests.Pages;

/// <summary>The newsroom console (<c>/newsroom</c>), driven by its labels as an editor would.</summary>
[Collection(BrowserTests.Name)]
public sealed class NewsroomConsoleTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IDisposable
{
    private readonly LiveFeedServer _server = new();

    [Fact]
    public async Task TheConsolePublishesCorrectsAndRetractsAndADoubleClickMakesOneItem()
    {
        var feed = NewsroomRequests.UniqueFeed("console");
        var page = await OpenConsoleAsync(browser, _server.BaseAddress, feed);
        await page.GetByLabel("Headline").FillAsync("Storm closes the harbour");
        await page.GetByLabel("Body").FillAsync("Ferries will not sail before noon.");
        await page.GetByLabel("Priority").SelectOptionAsync("urgent");
        await page.GetByLabel("Tags").FillAsync("weather, ports");
        await page.GetByRole(AriaRole.Checkbox, new() { Name = "Key event" }).CheckAsync();
        await Expect(page.Locator("#headline-count")).ToHaveTextAsync("24 / 280");
        await Expect(page.Locator("#preview .lf-headline")).ToHaveTextAsync("Storm closes the harbour");
        await Expect(page.Locator("#preview .lf-priority")).ToHaveTextAsync("Urgent");

        await page.GetByRole(AriaRole.Button, new() { Name = "Publish" }).DblClickAsync();

        await Expect(page.Locator("#publish-status")).ToHaveTextAsync(new Regex($"^Published to {feed} at "));
        var recent = page.Locator("#recent .lf-item");
        await Expect(recent).ToHaveCountAsync(1);
        await Expect(recent.Locator(".lf-headline")).ToHaveTextAsync("Storm closes the harbour");
        await Expect(page.GetByLabel("Headline")).ToHaveValueAsync(""); // ready for the next item
        using var reader = _server.CreateAnonymousClient();
        var items = await reader.GetFromJsonAsync<ItemsPage>($"/api/feeds/{feed}/items");
        var item = Assert.Single(items!.Items);
        Assert.Equal("Storm closes the harbour", item.Headline);
        Assert.Equal(ItemPriority.Urgent, item.Priority);
        Assert.Equal(new[] { "weather", "ports" }, item.Tags);
        Assert.True(item.KeyEvent);
        Assert.False(item.Pinned);
        await Expect(recent.Locator(".lf-key-badge")).ToHaveTextAsync("Key event");

        // Correct, in place; pinned there, it moves above the recent items.
        await recent.GetByRole(AriaRole.Button, new() { Name = "Correct" }).ClickAsync();
        await Expect(recent.GetByRole(AriaRole.Checkbox, new() { Name = "Key event" })).ToBeCheckedAsync();
        await recent.GetByLabel("Headline").FillAsync("Storm closes the harbour until Friday");
        await recent.GetByLabel("Pin to the top").CheckAsync();
        await recent.GetByRole(AriaRole.Button, new() { Name = "Save correction" }).ClickAsync();

        var pinned = page.Locator("#recent .lf-pinned");
        await Expect(pinned.Locator(".lf-headline")).ToHaveTextAsync("Storm closes the harbour until Friday");
        await Expect(pinned.Locator(".lf-updated")).ToHaveTextAsync(new Regex(@"^Updated \d{1,2}:\d{2} [AP]M$"));
        await Expect(recent).ToHaveCountAsync(0);
        var corrected = await reader.GetFromJsonAsync<FeedItem>($"/api/feeds/{feed}/items/{item.Id}");
        Assert.Equal("Storm closes the harbour until Friday", corrected!.Headline);
        Assert.Equal("Ferries will not sail before noon.", corrected.Body);
        Assert.NotNull(corrected.UpdatedAt);
        Assert.True(corrected.Pinned);
        Assert.True(corrected.KeyEvent);

        // Retract, after a confirmation.
        await pinned.GetByRole(AriaRole.Button, new() { Name = "Retract" }).ClickAsync();
        await Expect(pinned.GetByText("Retract this item? Readers will no longer see it.")).ToBeVisibleAsync();
        Assert.Null((await reader.GetFromJsonAsync<FeedItem>($"/api/feeds/{feed}/items/{item.Id}"))!.RetractedAt);
        await pinned.GetByRole(AriaRole.Button, new() { Name = "Yes, retract" }).ClickAsync();

        await Expect(pinned).ToBeHiddenAsync();
        await Expect(recent).ToHaveCountAsync(0);
        var retracted = await reader.GetFromJsonAsync<FeedItem>($"/api/feeds/{feed}/items/{item.Id}");
        Assert.NotNull(retracted!.RetractedAt);
    }

    [Fact]
    public async Task AValidationErrorFromTheServerShowsBesideItsField()
    {
        var feed = NewsroomRequests.UniqueFeed("console");
        var page = await OpenConsoleAsync(browser, _server.BaseAddress, feed);

        await page.GetByLabel("Headline").FillAsync(new string('a', 281));
        await page.GetByLabel("Link").FillAsync("ftp://files.example/report.pdf");
        await Expect(page.Locator("#headline-count")).ToHaveTextAsync("281 / 280, 1 too many");
        await page.GetByRole(AriaRole.Button, new() { Name = "Publish" }).ClickAsync();

        // Each message is in its field's own box and is the field's accessible description.
        var headline = page.GetByLabel("Headline");
        await Expect(headline).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(headline).ToHaveAccessibleDescriptionAsync(new Regex("281 characters; at most 280"));
        await Expect(page.Locator(".field", new() { Has = headline }).Locator(".field-error")).ToHaveTextAsync(new Regex("281 characters"));
        var link = page.GetByLabel("Link");
        await Expect(link).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(page.Locator(".field", new() { Has = link }).Locator(".field-error")).ToHaveTextAsync(new Regex("absolute http or https URL"));
        await Expect(page.GetByLabel("Body")).Not.ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(headline).ToBeFocusedAsync(); // the first bad field, so the editor can fix it at once

        using var reader = _server.CreateAnonymousClient();
        var items = await reader.GetFromJsonAsync<ItemsPage>($"/api/feeds/{feed}/items");
        Assert.Empty(items!.Items);

        // Fixed, it publishes, and the errors go.
        await headline.FillAsync("Report published");
        await link.FillAsync("https://files.example/report.pdf");
        await page.GetByRole(AriaRole.Button, new() { Name = "Publish" }).ClickAsync();
        await Expect(page.Locator("#publish-status")).ToHaveTextAsync(new Regex("^Published"));
        await Expect(page.Locator(".field-error:visible")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task AKeyIsCheckedWhenEnteredAndTheConsoleShowsItsNameAndTheFeedsItMayWrite()
    {
        const string SportKey = "sport-desk-key-0123456789";
        using var server = ServerWithKeys(("sport", SportKey, "sport-*"));
        var page = await browser.NewPageAsync();
        await page.GotoAsync(new Uri(server.BaseAddress, "/newsroom").ToString());

        // A wrong key is refused as it is entered, not at the first publish.
        await page.GetByLabel("Newsroom key").FillAsync("not-a-key");
        await page.GetByLabel("Newsroom key").PressAsync("Enter");
        await Expect(page.GetByLabel("Newsroom key")).ToHaveAccessibleDescriptionAsync(new Regex("did not accept this newsroom key"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "New item" })).ToBeHiddenAsync();
        Assert.Null(await page.EvaluateAsync<string?>("() => sessionStorage.getItem('livefeed.newsroomKey')"));

        await page.GetByLabel("Newsroom key").FillAsync(SportKey);
        await page.GetByLabel("Newsroom key").PressAsync("Enter");
        await Expect(page.Locator("#key-state")).ToContainTextAsync("Signed in as sport");
        await Expect(page.Locator("#key-state")).ToContainTextAsync("May write to sport-*");

        // The default feed is outside its scope: said beside the feed; the server refuses it, and stores nothing.
        await Expect(page.GetByLabel("Feed")).ToHaveAccessibleDescriptionAsync(new Regex("may not write to main"));
        await page.GetByLabel("Headline").FillAsync("Derby postponed");
        await page.GetByLabel("Headline").PressAsync("Enter");
        await Expect(page.Locator("#compose-error")).ToBeVisibleAsync();
        await Expect(page.Locator("#compose-error")).ToContainTextAsync("main");
        await Expect(page.GetByLabel("Headline")).ToHaveValueAsync("Derby postponed");

        var feed = NewsroomRequests.UniqueFeed("sport");
        await page.GetByLabel("Feed").FillAsync(feed);
        await page.GetByLabel("Feed").PressAsync("Tab");
        await Expect(page.GetByLabel("Feed")).Not.ToHaveAttributeAsync("aria-invalid", "true");
        await page.GetByLabel("Headline").PressAsync("Enter");
        await Expect(page.Locator("#publish-status")).ToHaveTextAsync(new Regex($"^Published to {feed} at "));
        using var reader = server.CreateAnonymousClient();
        Assert.Empty((await reader.GetFromJsonAsync<ItemsPage>("/api/feeds/main/items"))!.Items);
        var item = Assert.Single((await reader.GetFromJsonAsync<ItemsPage>($"/api/feeds/{feed}/items"))!.Items);
        Assert.Equal("sport", item.Author);
    }

    [Fact]
    public async Task AKeyRefusedLaterSendsTheEditorBackToTheKeyFormWithTheDraftKept()
    {
        var feed = NewsroomRequests.UniqueFeed("console");
        var page = await OpenConsoleAsync(browser, _server.BaseAddress, feed);
        // The key is revoked (rotated) while the editor works.
        await page.EvaluateAsync("() => sessionStorage.setItem('livefeed.newsroomKey', 'not-the-key')");

        await page.GetByLabel("Headline").FillAsync("Kept across the sign-in");
        await page.GetByRole(AriaRole.Button, new() { Name = "Publish" }).ClickAsync();

        await Expect(page.GetByLabel("Newsroom key")).ToHaveAccessibleDescriptionAsync(new Regex("did not accept this newsroom key"));
        Assert.Null(await page.EvaluateAsync<string?>("() => sessionStorage.getItem('livefeed.newsroomKey')"));
        await page.GetByLabel("Newsroom key").FillAsync(LiveFeedServer.NewsroomKey);
        await page.GetByLabel("Newsroom key").PressAsync("Enter");
        await Expect(page.GetByLabel("Headline")).ToHaveValueAsync("Kept across the sign-in");
        await page.GetByRole(AriaRole.Button, new() { Name = "Publish" }).ClickAsync();
        await Expect(page.Locator("#publish-status")).ToHaveTextAsync(new Regex("^Published"));
        Assert.DoesNotContain(LiveFeedServer.NewsroomKey, page.Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AReloadKeepsTheFeedAndTheDraftButTheKeyStaysInTheTab()
    {
        var feed = NewsroomRequests.UniqueFeed("console");
        var page = await OpenConsoleAsync(browser, _server.BaseAddress, feed);
        await page.GetByLabel("Headline").FillAsync("Ferry service resumes");
        await page.GetByLabel("Body").FillAsync("First sailing at 14:00.");
        await page.GetByLabel("Priority").SelectOptionAsync("urgent");

        // The same tab, reloaded: signed in, on the feed, with the draft.
        await page.ReloadAsync();
        await Expect(page.GetByLabel("Feed")).ToHaveValueAsync(feed);
        await Expect(page.GetByLabel("Headline")).ToHaveValueAsync("Ferry service resumes");
        await Expect(page.GetByLabel("Body")).ToHaveValueAsync("First sailing at 14:00.");
        await Expect(page.GetByLabel("Priority")).ToHaveValueAsync("urgent");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = $"Recent in {feed}" })).ToBeVisibleAsync();

        // Another tab of the same browser: the feed and the draft, but the key is asked for again.
        var other = await page.Context.NewPageAsync();
        await other.GotoAsync(new Uri(_server.BaseAddress, "/newsroom").ToString());
        await Expect(other.GetByLabel("Newsroom key")).ToBeFocusedAsync();
        var stored = await other.EvaluateAsync<string>("() => JSON.stringify({ ...localStorage })");
        Assert.Contains("Ferry service resumes", stored, StringComparison.Ordinal);
        Assert.DoesNotContain(LiveFeedServer.NewsroomKey, stored, StringComparison.Ordinal);
        await other.Keyboard.TypeAsync(LiveFeedServer.NewsroomKey);
        await other.Keyboard.PressAsync("Enter");
        await Expect(other.GetByLabel("Feed")).ToHaveValueAsync(feed);
        await Expect(other.GetByLabel("Headline")).ToHaveValueAsync("Ferry service resumes");

        // Enter in the headline publishes it, and the published draft is gone from every tab's next load.
        await other.GetByLabel("Headline").PressAsync("Enter");
        await Expect(other.Locator("#publish-status")).ToHaveTextAsync(new Regex($"^Published to {feed} at "));
        await Expect(other.Locator("#recent .lf-item .lf-headline")).ToHaveTextAsync("Ferry service resumes");
        await page.ReloadAsync();
        await Expect(page.GetByLabel("Feed")).ToHaveValueAsync(feed);
        await Expect(page.GetByLabel("Headline")).ToHaveValueAsync("");
        using var reader = _server.CreateAnonymousClient();
        var item = Assert.Single((await reader.GetFromJsonAsync<ItemsPage>($"/api/feeds/{feed}/items"))!.Items);
        Assert.Equal("Ferry service resumes", item.Headline);
        Assert.Equal("First sailing at 14:00.", item.Body);
        Assert.Equal(ItemPriority.Urgent, item.Priority);
    }

    [Fact]
    public async Task TwoEditorsCorrectingTheSameItemTheSecondSeesTheColleaguesVersionAndLosesNothing()
    {
        const string AnnaKey = "anna-key-0123456789", BenKey = "ben-key-0123456789";
        using var server = ServerWithKeys(("anna", AnnaKey, null), ("ben", BenKey, null));
        var feed = NewsroomRequests.UniqueFeed("console");
        var anna = await OpenConsoleAsync(browser, server.BaseAddress, feed, AnnaKey);
        var ben = await OpenConsoleAsync(browser, server.BaseAddress, feed, BenKey);
        // Beside the feed, the audience: the two consoles' own columns follow it.
        await Expect(anna.Locator("#audience")).ToHaveTextAsync("2 readers now", new() { Timeout = 25_000 });
        await anna.GetByLabel("Headline").FillAsync("Bridge closed after crash");
        await anna.GetByRole(AriaRole.Checkbox, new() { Name = "Key event" }).CheckAsync();
        await anna.GetByLabel("Headline").PressAsync("Enter");
        var annas = anna.Locator("#recent .lf-item");
        var bens = ben.Locator("#recent .lf-item");
        await Expect(bens.Locator(".lf-headline")).ToHaveTextAsync("Bridge closed after crash");
        await Expect(bens.Locator(".lf-key-badge")).ToHaveTextAsync("Key event");

        // Both start correcting it; Anna saves first.
        await annas.GetByRole(AriaRole.Button, new() { Name = "Correct" }).ClickAsync();
        await bens.GetByRole(AriaRole.Button, new() { Name = "Correct" }).ClickAsync();
        await Expect(bens.GetByLabel("Headline")).ToHaveValueAsync("Bridge closed after crash");
        await annas.GetByLabel("Body").FillAsync("Both lanes closed.");
        await annas.GetByRole(AriaRole.Button, new() { Name = "Save correction" }).ClickAsync();
        await Expect(annas.Locator(".lf-body")).ToHaveTextAsync("Both lanes closed.");

        // Ben saves his: refused (412), and he sees who changed what, beside his draft, which is all still there.
        await bens.GetByLabel("Headline").FillAsync("Bridge closed after lorry crash");
        await bens.GetByRole(AriaRole.Button, new() { Name = "Save correction" }).ClickAsync();
        var conflict = bens.Locator(".conflict");
        await Expect(conflict.Locator(".conflict-title")).ToHaveTextAsync(new Regex(@"^anna corrected this item at \d{1,2}:\d{2} [AP]M while you were editing"));
        await Expect(conflict.GetByRole(AriaRole.List, new() { Name = "What they changed" })).ToHaveTextAsync("Body: “none” → “Both lanes closed.”");
        await Expect(conflict.GetByRole(AriaRole.Region, new() { Name = "Their version" }).Locator(".lf-body")).ToHaveTextAsync("Both lanes closed.");
        await Expect(bens.GetByLabel("Headline")).ToHaveValueAsync("Bridge closed after lorry crash");
        await Screenshots.SaveAsync(ben, "console-colleagues-version");
        using var reader = server.CreateAnonymousClient();
        var id = await bens.GetAttributeAsync("data-id");
        var stored = await reader.GetFromJsonAsync<FeedItem>($"/api/feeds/{feed}/items/{id}");
        Assert.Equal("Bridge closed after crash", stored!.Headline); // nothing of Ben's went through

        // His change applied on top of hers: both are kept.
        await conflict.GetByRole(AriaRole.Button, new() { Name = "Apply mine on top of theirs" }).ClickAsync();
        foreach (var entry in new[] { bens, annas })
        {
            await Expect(entry.Locator(".lf-headline")).ToHaveTextAsync("Bridge closed after lorry crash");
            await Expect(entry.Locator(".lf-body")).ToHaveTextAsync("Both lanes closed.");
        }

        stored = await reader.GetFromJsonAsync<FeedItem>($"/api/feeds/{feed}/items/{id}");
        Assert.Equal(("Bridge closed after lorry crash", "Both lanes closed.", true, "ben"), (stored!.Headline, stored.Body, stored.KeyEvent, stored.UpdatedBy));

        // Who did what, in the item's history.
        await annas.GetByRole(AriaRole.Button, new() { Name = "History" }).ClickAsync();
        await Expect(annas.Locator(".history-event")).ToHaveTextAsync([
            new Regex(@"^Published by anna, \d{1,2}:\d{2} [AP]M$"),
            new Regex(@"^Corrected by anna, \d{1,2}:\d{2} [AP]M: body “Both lanes closed.”$"),
            new Regex(@"^Corrected by ben, \d{1,2}:\d{2} [AP]M: headline “Bridge closed after lorry crash”$"),
        ]);

        // The audience stays live: Ben closes his console, and Anna's count drops.
        await ben.CloseAsync();
        await Expect(anna.Locator("#audience")).ToHaveTextAsync("1 reader now", new() { Timeout = 25_000 });
    }

    [Fact]
    public async Task AScheduledItemIsListedWithACountdownCanBeEditedOrCancelledAndGoesOutOnItsOwn()
    {
        var feed = NewsroomRequests.UniqueFeed("console");
        var page = await OpenConsoleAsync(browser, _server.BaseAddress, feed);
        await page.GetByLabel("Headline").FillAsync("Polls close");
        await page.GetByLabel("Publish at").FillAsync(London(DateTime.UtcNow.AddHours(1)));
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Schedule" })).ToBeVisibleAsync();
        await page.GetByLabel("Headline").PressAsync("Enter");
        await Expect(page.Locator("#publish-status")).ToHaveTextAsync(new Regex($"^Scheduled for .* in {feed}\\.$"));
        await page.GetByLabel("Headline").FillAsync("Exit poll: turnout at 71%");
        await page.GetByLabel("Publish at").FillAsync(London(DateTime.UtcNow.AddSeconds(25)));
        await page.GetByLabel("Headline").PressAsync("Enter");

        // Soonest first, each with its countdown.
        var scheduled = page.GetByRole(AriaRole.Region, new() { Name = $"Scheduled in {feed}" }).Locator(".scheduled-item");
        await Expect(scheduled.Locator(".scheduled-headline")).ToHaveTextAsync(["Exit poll: turnout at 71%", "Polls close"]);
        await Expect(scheduled.Last.Locator(".countdown")).ToHaveTextAsync(new Regex(@"^in (59 min( \d+ s)?|1 h)$"));
        await Expect(scheduled.First.Locator(".countdown")).ToHaveTextAsync(new Regex(@"^in \d+ s$"));

        // Edited, then cancelled: it never goes out.
        await scheduled.Last.GetByRole(AriaRole.Button, new() { Name = "Edit" }).ClickAsync();
        await scheduled.Last.GetByLabel("Headline").FillAsync("Polls close at 10 pm");
        await scheduled.Last.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(scheduled.Last.Locator(".scheduled-headline")).ToHaveTextAsync("Polls close at 10 pm");
        await scheduled.Last.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await scheduled.Last.GetByRole(AriaRole.Button, new() { Name = "Yes, cancel it" }).ClickAsync();
        await Expect(scheduled.Locator(".scheduled-headline")).ToHaveTextAsync(["Exit poll: turnout at 71%"]);

        // The other goes out at its time: it leaves the list and shows among the recent items.
        await Expect(page.Locator("#recent .lf-item .lf-headline")).ToHaveTextAsync(["Exit poll: turnout at 71%"], new() { Timeout = 45_000 });
        await Expect(scheduled).ToHaveCountAsync(0);
        using var newsroom = _server.CreateNewsroomClient();
        var left = await newsroom.GetFromJsonAsync<System.Text.Json.Nodes.JsonObject>($"/api/feeds/{feed}/scheduled");
        Assert.Empty(left!["items"]!.AsArray());
    }

    /// <summary>A server with these newsroom keys (name, key, scope or null for every feed) besides the usual one.</summary>
    private static LiveFeedServer ServerWithKeys(params (string Name, string Key, string? Scope)[] keys)
    {
        var settings = new Dictionary<string, string?>();
        foreach (var (name, key, scope) in keys)
        {
            settings[$"Newsroom:ApiKeys:{name}"] = NewsroomKeys.Hash(key);
            if (scope is not null)
            {
                settings[$"Newsroom:Scopes:{name}"] = scope;
            }
        }

        return new LiveFeedServer(settings);
    }

    /// <summary>
    /// A UTC moment as the console's "Publish at" field takes it: local time in the browser's zone (London), to the
    /// second. Whole minutes are written without seconds, as the browser gives a datetime-local value back (Playwright
    /// refuses a fill whose value reads back different).
    /// </summary>
    private static string London(DateTime utc)
    {
        var local = TimeZoneInfo.ConvertTimeFromUtc(utc, TimeZoneInfo.FindSystemTimeZoneById("Europe/London"));
        return local.ToString(local.Second == 0 ? "yyyy-MM-ddTHH:mm" : "yyyy-MM-ddTHH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
    }

    public void Dispose() => _server.Dispose();

    /// <summary>Opens the console, enters the key (by keyboard) and chooses the feed.</summary>
    internal static async Task<IPage> OpenConsoleAsync(BrowserFixture browser, Uri server, string feed, string key = LiveFeedServer.NewsroomKey, int width = 1280)
    {
        var page = await browser.NewPageAsync(width);
        await page.GotoAsync(new Uri(server, "/newsroom").ToString());
        await Expect(page.GetByLabel("Newsroom key")).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync(key);
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "New item" })).ToBeVisibleAsync();
        await page.GetByLabel("Feed").FillAsync(feed);
        await page.GetByLabel("Feed").PressAsync("Tab");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = $"Recent in {feed}" })).ToBeVisibleAsync();
        await Expect(page.Locator("#recent .lf-status")).ToHaveAttributeAsync("data-state", "live");
        return page;
    }
}
