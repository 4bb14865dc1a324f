using System.Diagnostics;
using System.Text.Json;
using LiveFeed.Client;
using LiveFeed.Contracts;
using LiveFeed.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace LiveFeed.Tests.Cli;

/// <summary>The livefeed tool end to end, against a real server: output, exit code, and every error a person can act on.</summary>
public sealed class LiveFeedCliTests : IDisposable
{
    // 09:19 UTC is 2:49 PM in the tests' UTC+5:30 zone.
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 28, 9, 19, 0, TimeSpan.Zero));
    private readonly LiveFeedServer _server;

    public LiveFeedCliTests() => _server = new LiveFeedServer(clock: _clock);

    private string Server => _server.BaseAddress.ToString();

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task PostPrintsTheNewItemAndListShowsItWithItsIdTimePriorityAndHeadline()
    {
        var posted = await Cli("post", "Troops cross the border", "--priority", "flash", "--tag", "war", "--tag", "border", "--body", "More to follow.", "--link", "https://example.org/1");
        var id = Assert.Single(await ItemsAsync("main")).Id;
        var listed = await Cli("list", "--server", Server);

        Assert.Equal((0, $"Posted {id} to main at 2:49 PM, version {await VersionOfAsync("main", id)}.\n", ""), (posted.ExitCode, posted.Output.Text, posted.Error.Text));
        Assert.Equal((0, $"{id}   2:49 PM  flash   Troops cross the border\n"), (listed.ExitCode, listed.Output.Text));
        var item = (await ItemsAsync("main"))[0];
        Assert.Equal(("More to follow.", "https://example.org/1", ItemPriority.Flash), (item.Body, item.Link, item.Priority));
        Assert.Equal(["war", "border"], item.Tags);
    }

    [Fact]
    public async Task JsonOutputIsTheItemForScripts()
    {
        var posted = await Cli("post", "For a script", "--feed", "business", "--json");
        var listed = await Cli("list", "--feed", "business", "--json");

        Assert.Equal(0, posted.ExitCode);
        var item = JsonSerializer.Deserialize<FeedItem>(posted.Output.Text, LiveFeedJson.Options)!;
        Assert.Equal(("For a script", "business", LiveFeedServer.KeyName), (item.Headline, item.Feed, item.Author));
        var items = JsonSerializer.Deserialize<List<FeedItem>>(listed.Output.Text, LiveFeedJson.Options)!;
        Assert.Equal([item.Id], items.Select(listedItem => listedItem.Id));
        // A field without a value is there, as null: a script reads the same shape every time.
        foreach (var json in new[] { JsonDocument.Parse(posted.Output.Text).RootElement, JsonDocument.Parse(listed.Output.Text).RootElement[0] })
        {
            Assert.Equal(
                [JsonValueKind.Null, JsonValueKind.Null, JsonValueKind.Null, JsonValueKind.Null],
                new[] { "body", "link", "updatedAt", "retractedAt" }.Select(name => json.TryGetProperty(name, out var value) ? value.ValueKind : JsonValueKind.Undefined));
        }
    }

    [Fact]
    public async Task CorrectChangesWhatIsGivenAndKeepsTheRest()
    {
        await Cli("post", "Quake hits city", "--body", "Details soon.", "--tag", "quake", "--priority", "urgent");
        var id = (await ItemsAsync("main"))[0].Id;
        _clock.Advance(TimeSpan.FromMinutes(2));

        var corrected = await Cli("correct", id, "Quake hits the city");

        Assert.Equal((0, $"Corrected {id} in main at 2:51 PM, version {await VersionOfAsync("main", id)}.\n"), (corrected.ExitCode, corrected.Output.Text));
        var item = (await ItemsAsync("main"))[0];
        Assert.Equal(("Quake hits the city", "Details soon.", ItemPriority.Urgent), (item.Headline, item.Body, item.Priority));
        Assert.Equal(["quake"], item.Tags);
        var listed = await Cli("list");
        Assert.Equal($"{id}   2:49 PM  urgent  Quake hits the city\n", listed.Output.Text);
    }

    [Fact]
    public async Task PostAndCorrectPinAndMarkKeyEventsAndACorrectionKeepsThemUnlessGiven()
    {
        await Cli("post", "What we know so far", "--pin", "--key-event");
        var id = (await ItemsAsync("main"))[0].Id;

        await Cli("correct", id, "What we know now");
        var kept = (await ItemsAsync("main"))[0];
        await Cli("correct", id, "--pin", "false");
        var unpinned = (await ItemsAsync("main"))[0];

        Assert.Equal(("What we know now", true, true), (kept.Headline, kept.Pinned, kept.KeyEvent));
        Assert.Equal(("What we know now", false, true), (unpinned.Headline, unpinned.Pinned, unpinned.KeyEvent));
    }

    [Fact]
    public async Task ListMarksThePinnedItemAndKeyEvents()
    {
        await Cli("post", "Dam holds overnight", "--key-event");
        await Cli("post", "Rain eases");
        await Cli("post", "What we know so far", "--pin", "--key-event");
        var items = await ItemsAsync("main");

        var listed = await Cli("list");

        Assert.Equal((0, string.Join("", [
            $"{items[0].Id}   2:49 PM  normal  What we know so far  [pinned]  [key event]\n",
            $"{items[1].Id}   2:49 PM  normal  Rain eases\n",
            $"{items[2].Id}   2:49 PM  normal  Dam holds overnight  [key event]\n"])), (listed.ExitCode, listed.Output.Text));
    }

    [Fact]
    public async Task CorrectWithAnIfMatchACollegueOvertookSaysWhoChangedItAndChangesNothing()
    {
        await Cli("post", "Quake hits city");
        var id = (await ItemsAsync("main"))[0].Id;
        var seen = await VersionOfAsync("main", id);
        _clock.Advance(TimeSpan.FromMinutes(2));
        using (var http = _server.CreateNewsroomClient())
        {
            await new NewsroomClient(http).CorrectAsync("main", id, new ItemRequest { Headline = "Quake hits the capital" }, seen);
        }

        var corrected = await Cli("correct", id, "Quake hits the city", "--if-match", seen);
        var retracted = await Cli("retract", id, "--if-match", seen);

        var now = await VersionOfAsync("main", id);
        Assert.Equal((1, ""), (corrected.ExitCode, corrected.Output.Text));
        Assert.Equal(
            [$"livefeed: {id} changed since that version: desk corrected it at 2:51 PM (\"Quake hits the capital\", version {now}); nothing was changed. (412)"],
            corrected.Error.Lines);
        Assert.Equal(1, retracted.ExitCode);
        Assert.Equal("Quake hits the capital", (await ItemsAsync("main"))[0].Headline);
        Assert.Equal(0, (await Cli("retract", id, "--if-match", now)).ExitCode);
        Assert.Empty(await ItemsAsync("main"));
    }

    [Fact]
    public async Task HistoryShowsWhoPublishedCorrectedAndRetractedAnItemAndJsonForScripts()
    {
        await Cli("post", "Quake hits city", "--key-event");
        var id = (await ItemsAsync("main"))[0].Id;
        _clock.Advance(TimeSpan.FromMinutes(2));
        await Cli("correct", id, "Quake hits the city");
        _clock.Advance(TimeSpan.FromMinutes(1));
        await Cli("retract", id);

        var history = await Cli("history", id);
        var json = await Cli("history", id, "--json");
        var unknown = await Cli("history", "no-such-item");

        Assert.Equal(
            ["2:49 PM  published  by desk  Quake hits city  [key event]", "2:51 PM  corrected  by desk  Quake hits the city  [key event]",
                "2:52 PM  retracted  by desk  Quake hits the city  [key event]"],
            history.Output.Lines.Select(line => line.Trim()));
        var parsed = JsonSerializer.Deserialize<ItemHistory>(json.Output.Text, LiveFeedJson.Options)!;
        Assert.Equal(("main", id), (parsed.Feed, parsed.Id));
        Assert.Equal([FeedEventKind.Published, FeedEventKind.Corrected, FeedEventKind.Retracted], parsed.Events.Select(e => e.Kind));
        Assert.Equal(1, unknown.ExitCode);
        Assert.Equal(["livefeed: feed 'main' has no item 'no-such-item' (see 'livefeed list --feed main')."], unknown.Error.Lines);
    }

    [Fact]
    public async Task RetractRemovesTheItemFromTheList()
    {
        await Cli("post", "Wrong story");
        var id = (await ItemsAsync("main"))[0].Id;

        var retracted = await Cli("retract", id);
        var listed = await Cli("list");

        Assert.Equal((0, $"Retracted {id} from main.\n"), (retracted.ExitCode, retracted.Output.Text));
        Assert.Equal((0, "", "livefeed: feed 'main' has no items.\n"), (listed.ExitCode, listed.Output.Text, listed.Error.Text));
    }

    [Fact]
    public async Task ListShowsTheNewestFirstUpToTheLimitAcrossPages()
    {
        for (var i = 1; i <= 5; i++)
        {
            await Cli("post", $"Item {i}");
        }

        var listed = await Cli("list", "--limit", "3");

        Assert.Equal(["Item 5", "Item 4", "Item 3"], listed.Output.Lines.Select(line => line.Split("  ").Last()));
    }

    [Fact]
    public async Task TheServerAndKeyComeFromTheEnvironmentWhenNotGiven()
    {
        var variables = new Dictionary<string, string> { ["LIVEFEED_URL"] = Server, ["LIVEFEED_KEY"] = LiveFeedServer.NewsroomKey };

        var posted = await CliRun.RunAsync(variables, "post", "From the environment");

        Assert.Equal(0, posted.ExitCode);
        Assert.Equal("From the environment", (await ItemsAsync("main"))[0].Headline);
    }

    [Theory]
    [InlineData("", "livefeed: headline: The headline is blank.")]
    [InlineData("   ", "livefeed: headline: The headline is blank.")]
    public async Task ABlankHeadlineIsOneLineOnStderrAndExitCode1(string headline, string expected)
    {
        var posted = await Cli("post", headline);

        Assert.Equal((1, "", expected + "\n"), (posted.ExitCode, posted.Output.Text, posted.Error.Text));
        Assert.Empty(await ItemsAsync("main"));
    }

    [Fact]
    public async Task ATooLongHeadlineIsOneLineOnStderrAndExitCode1()
    {
        var posted = await Cli("post", new string('x', 281));

        Assert.Equal(1, posted.ExitCode);
        Assert.Equal(["livefeed: headline: The headline has 281 characters; at most 280 are allowed."], posted.Error.Lines);
        Assert.Empty(await ItemsAsync("main"));
    }

    [Fact]
    public async Task AWrongKeyIsOneLineOnStderrAndExitCode4()
    {
        var posted = await CliRun.RunAsync(null, "post", "Hello", "--server", Server, "--key", "not-the-key");

        Assert.Equal(4, posted.ExitCode);
        Assert.Equal(["livefeed: the server refused the newsroom key (401): check --key or LIVEFEED_KEY."], posted.Error.Lines);
    }

    [Fact]
    public async Task NoKeyIsOneLineOnStderrAndExitCode4()
    {
        var posted = await CliRun.RunAsync(null, "retract", "some-id", "--server", Server);

        Assert.Equal(4, posted.ExitCode);
        Assert.Equal(["livefeed: no newsroom key: pass --key or set LIVEFEED_KEY."], posted.Error.Lines);
    }

    [Theory]
    [InlineData("post", "Hello", "--key", "k")]
    [InlineData("list")]
    [InlineData("tail")]
    public async Task AnUnreachableServerIsOneLineOnStderrAndExitCode3(params string[] args)
    {
        var nowhere = $"http://127.0.0.1:{Client.LiveFeedReaderTests.FreePort()}";

        var run = await CliRun.RunAsync(null, [.. args, "--server", nowhere]);

        Assert.Equal(3, run.ExitCode);
        var line = Assert.Single(run.Error.Lines);
        Assert.StartsWith($"livefeed: cannot reach the LiveFeed server at {nowhere}: ", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PastTheWriteLimitIsOneLineOnStderrAndExitCode5()
    {
        // The second write's Retry-After is far beyond what the tool waits out.
        using var server = OneAnHour("Writes");
        var variables = new Dictionary<string, string> { ["LIVEFEED_URL"] = server.BaseAddress.ToString(), ["LIVEFEED_KEY"] = LiveFeedServer.NewsroomKey };
        Assert.Equal(0, (await CliRun.RunAsync(variables, "post", "The first")).ExitCode);

        var refused = await CliRun.RunAsync(variables, "post", "One too many");

        Assert.Equal(5, refused.ExitCode);
        var line = Assert.Single(refused.Error.Lines);
        Assert.StartsWith("livefeed: Too many requests: ", line, StringComparison.Ordinal);
        Assert.Contains("(429)", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TailPastTheNewConnectionLimitIsOneLineOnStderrAndExitCode5()
    {
        // The test's own connection takes this address's one.
        using var server = OneAnHour("NewConnections");
        await using var first = await server.ConnectReaderAsync(negotiate: true);

        var refused = await CliRun.RunAsync(null, "tail", "--server", server.BaseAddress.ToString()).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(5, refused.ExitCode);
        var line = Assert.Single(refused.Error.Lines);
        Assert.Contains("(429)", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TailOfAnInstanceThatAcceptsAndDropsEveryConnectionMakesOnlyAFewAttemptsIn10Seconds()
    {
        // Its Redis away, the instance accepts each hub connection and closes it after the handshake.
        var gate = new HubGate();
        await using var redis = await RedisServer.StartNewAsync();
        using var server = new LiveFeedServer(RedisSettings.For(redis), services: gate.Install);
        var feed = NewsroomRequests.UniqueFeed("away");
        using (var newsroom = server.CreateNewsroomClient())
        {
            await newsroom.PublishAsync(feed, "Before Redis went away");
        }

        using var stop = new CancellationTokenSource();
        var (exit, output, _) = CliRun.Start(stop.Token, "tail", "-f", feed, "--server", server.BaseAddress.ToString());
        // Shown: subscribed, so the connection is set up on the backplane and Redis going away does not drop it by itself.
        await output.WaitForAsync(text => text.Contains("Before Redis went away", StringComparison.Ordinal), "the first item");

        await redis.StopAsync();
        gate.DropConnections();
        await Task.Delay(TimeSpan.FromSeconds(10));
        await stop.CancelAsync();

        // Waits of up to 1, 2, 4, 8 s: about five attempts in 10 s (a loop that starts over after each connect makes hundreds).
        Assert.InRange(gate.Negotiates.Count - 1, 1, 8);
        Assert.Equal(0, await exit.WaitAsync(TimeSpan.FromSeconds(15)));
    }

    [Fact]
    public async Task TailOfAServerThatClosesTheConnectionAsItOpensIsOneLineOnStderrAndExitCode3()
    {
        // What an instance whose Redis is away can do to the very first connection: accept it, then close it.
        var gate = new HubGate();
        using var server = new LiveFeedServer(services: gate.Install);
        gate.CloseConnections();

        var run = await CliRun.RunAsync(null, "tail", "--server", server.BaseAddress.ToString()).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(3, run.ExitCode);
        var line = Assert.Single(run.Error.Lines);
        Assert.StartsWith($"livefeed: the LiveFeed server at {server.BaseAddress} closed the connection as it opened", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TailOfMoreFeedsThanAConnectionFollowsIsOneLineOnStderrAndExitCode2()
    {
        var run = await Cli(["tail", .. Enumerable.Range(1, 21).SelectMany(i => new[] { "-f", $"feed{i}" })]);

        Assert.Equal(2, run.ExitCode);
        var line = Assert.Single(run.Error.Lines);
        Assert.Contains("at most 20 feeds", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AServerThatIsNotLiveFeedIsOneLineOnStderrAndExitCode3()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var site = builder.Build();
        site.MapGet("/{**path}", () => Results.Content("<html><body>Our news site</body></html>", "text/html"));
        await site.StartAsync();

        var run = await CliRun.RunAsync(null, "list", "--server", site.Urls.First());

        Assert.Equal(3, run.ExitCode);
        var line = Assert.Single(run.Error.Lines);
        Assert.Contains("is it a LiveFeed server?", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CorrectingAnUnknownItemSaysSoAndExits1()
    {
        var corrected = await Cli("correct", "no-such-item", "New words");

        Assert.Equal(1, corrected.ExitCode);
        Assert.Equal(["livefeed: feed 'main' has no item 'no-such-item' (see 'livefeed list --feed main')."], corrected.Error.Lines);
    }

    [Theory]
    [InlineData("post", "Hello", "--priority", "high")]
    [InlineData("post")]
    [InlineData("list", "--feed", "Not A Feed")]
    [InlineData("list", "--limit", "zero")]
    [InlineData("list", "--limit", "0")]
    [InlineData("frobnicate")]
    [InlineData("retract", "")]
    [InlineData("correct", " ", "New words")]
    [InlineData("correct", "some-id", "--if-match", " ")]
    [InlineData("post", "Hello", "--pin", "maybe")]
    public async Task ABadCommandLineIsOneLineOnStderrAndExitCode2(params string[] args)
    {
        var run = await Cli(args);

        Assert.Equal(2, run.ExitCode);
        var line = Assert.Single(run.Error.Lines);
        Assert.StartsWith("livefeed: ", line, StringComparison.Ordinal);
        Assert.Contains("--help", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData]
    [InlineData("post")]
    [InlineData("correct")]
    [InlineData("retract")]
    [InlineData("history")]
    [InlineData("list")]
    [InlineData("tail")]
    public async Task EveryCommandHasHelp(params string[] command)
    {
        var run = await CliRun.RunAsync(null, [.. command, "--help"]);

        Assert.Equal((0, ""), (run.ExitCode, run.Error.Text));
        Assert.Contains("Usage:", run.Output.Text, StringComparison.Ordinal);
        Assert.Contains("--server", run.Output.Text, StringComparison.Ordinal);
        if (command.Length > 0)
        {
            Assert.Contains($" {command[0]} ", run.Output.Text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task TailShowsTheLatestItemsThenPublicationsCorrectionsAndRetractionsLive()
    {
        for (var i = 1; i <= 3; i++)
        {
            await Cli("post", $"Earlier {i}");
        }

        using var stop = new CancellationTokenSource();
        var (exit, output, error) = CliRun.Start(stop.Token, "tail", "--server", Server, "--lines", "2");
        await output.WaitForAsync(text => text.Contains("Earlier 3", StringComparison.Ordinal), "the latest items");

        await Cli("post", "Breaking news", "--priority", "flash");
        await output.WaitForAsync(text => text.Contains("Breaking news", StringComparison.Ordinal), "the new item");
        var id = (await ItemsAsync("main"))[0].Id;
        _clock.Advance(TimeSpan.FromMinutes(1));
        await Cli("correct", id, "Breaking news, corrected");
        _clock.Advance(TimeSpan.FromMinutes(1));
        await Cli("retract", id);
        await output.WaitForAsync(text => text.Contains("retracted", StringComparison.Ordinal), "the retraction");
        await stop.CancelAsync();

        Assert.Equal(0, await exit.WaitAsync(TimeSpan.FromSeconds(15)));
        Assert.Equal(
            [
                " 2:49 PM  normal  Earlier 2",
                " 2:49 PM  normal  Earlier 3",
                " 2:49 PM  flash   Breaking news",
                " 2:50 PM  flash   Breaking news, corrected  (corrected)",
                " 2:51 PM  retracted: Breaking news, corrected",
            ],
            output.Lines);
        Assert.Equal("", error.Text);
    }

    [Fact]
    public async Task TailFollowsSeveralFeedsAndWritesJsonLines()
    {
        await Cli("post", "Main earlier");
        await Cli("post", "Business earlier", "--feed", "business");
        using var stop = new CancellationTokenSource();
        var (exit, output, _) = CliRun.Start(stop.Token, "tail", "--server", Server, "--feed", "main", "--feed", "business", "--json");
        await output.WaitForAsync(text => text.Contains("Main earlier", StringComparison.Ordinal) && text.Contains("Business earlier", StringComparison.Ordinal), "the latest items");

        await Cli("post", "Markets up", "--feed", "business");
        await output.WaitForAsync(text => text.Contains("Markets up", StringComparison.Ordinal), "the live item");
        await stop.CancelAsync();

        Assert.Equal(0, await exit.WaitAsync(TimeSpan.FromSeconds(15)));
        var lines = output.Lines.Select(line => JsonDocument.Parse(line).RootElement).ToList();
        Assert.Equal(
            [("main", "snapshot", "Main earlier"), ("business", "snapshot", "Business earlier"), ("business", "published", "Markets up")],
            lines.Select(line => (line.GetProperty("feed").GetString(), line.GetProperty("kind").GetString(), line.GetProperty("item").GetProperty("headline").GetString())));
        Assert.Equal(2, lines[2].GetProperty("sequence").GetInt64());
    }

    [Fact]
    public async Task TailSurvivesTheServerRestartingAndShowsWhatItMissedOnce()
    {
        var first = new LiveFeedServer(new Dictionary<string, string?> { ["shutdownTimeoutSeconds"] = "2" }, _clock);
        using var stop = new CancellationTokenSource();
        var (exit, output, error) = CliRun.Start(stop.Token, "tail", "--server", first.BaseAddress.ToString());
        await Cli(["post", "Before the restart", "--server", first.BaseAddress.ToString()]);
        await output.WaitForAsync(text => text.Contains("Before the restart", StringComparison.Ordinal), "the first item");

        var firstPort = first.BaseAddress.Port;
        first.Dispose();
        await error.WaitForAsync(text => text.Contains("reconnecting", StringComparison.Ordinal), "the reconnecting notice");
        using (var second = new LiveFeedServer(clock: _clock, port: firstPort))
        {
            await Cli(["post", "While you were away", "--server", second.BaseAddress.ToString()]);
            await output.WaitForAsync(text => text.Contains("While you were away", StringComparison.Ordinal), "the missed item");
            await error.WaitForAsync(text => text.Contains("reconnected.", StringComparison.Ordinal), "the reconnected notice");
            await Cli(["post", "After the restart", "--server", second.BaseAddress.ToString()]);
            await output.WaitForAsync(text => text.Contains("After the restart", StringComparison.Ordinal), "the live item");
            await stop.CancelAsync();
            Assert.Equal(0, await exit.WaitAsync(TimeSpan.FromSeconds(15)));
        }

        Assert.Equal(
            [" 2:49 PM  normal  Before the restart", " 2:49 PM  normal  While you were away", " 2:49 PM  normal  After the restart"],
            output.Lines);
    }

    [Fact]
    public async Task TheBuiltToolRunsAsAProcessAndFailsWithoutAStackTrace()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "livefeed.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { dll, "post", "  ", "--server", Server })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["LIVEFEED_KEY"] = LiveFeedServer.NewsroomKey;
        start.Environment.Remove("LIVEFEED_URL");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal((1, "", "livefeed: headline: The headline is blank.\n"), (process.ExitCode, await stdout, await stderr));
    }

    [Theory]
    [InlineData("INT")]
    [InlineData("TERM")]
    public async Task CtrlCOrSigtermStopsTailCleanlyWithExitCode0(string signal)
    {
        var feed = NewsroomRequests.UniqueFeed("cli-interrupt");
        using (var newsroom = _server.CreateNewsroomClient())
        {
            await newsroom.PublishAsync(feed, "Already there");
        }

        // As a terminal delivers Ctrl+C: a process started from a script's background job (as CI may run the suite)
        // inherits SIGINT ignored, and the runtime rightly keeps ignoring it, so the tool starts with it restored.
        var start = new ProcessStartInfo("env") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "--default-signal=INT,TERM", "dotnet", Path.Combine(AppContext.BaseDirectory, "livefeed.dll"), "tail", "-f", feed, "--server", Server })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var firstLine = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Contains("Already there", firstLine, StringComparison.Ordinal);

        using (var interrupt = Process.Start("kill", ["-" + signal, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await interrupt.WaitForExitAsync();
        }

        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal((0, ""), (process.ExitCode, await stderr));
    }

    /// <summary>A server that allows one of <c>Limits:{limit}</c> an hour.</summary>
    private static LiveFeedServer OneAnHour(string limit) => new(new Dictionary<string, string?>
    {
        [$"Limits:{limit}:TokenLimit"] = "1",
        [$"Limits:{limit}:TokensPerPeriod"] = "1",
        [$"Limits:{limit}:ReplenishmentPeriod"] = "01:00:00",
    });

    private Task<CliRun> Cli(params string[] args) =>
        CliRun.RunAsync(new Dictionary<string, string> { ["LIVEFEED_URL"] = Server, ["LIVEFEED_KEY"] = LiveFeedServer.NewsroomKey }, args);

    private async Task<string> VersionOfAsync(string feed, string id)
    {
        using var http = _server.CreateAnonymousClient();
        return (await new NewsroomClient(http).GetVersionedAsync(feed, id))!.Version!;
    }

    private async Task<IReadOnlyList<FeedItem>> ItemsAsync(string feed)
    {
        using var http = _server.CreateAnonymousClient();
        return (await new NewsroomClient(http).ListAsync(feed, 200)).Items;
    }
}
