using System.Text.Json;
using LiveFeed.Client;
using LiveFeed.Contracts;
using LiveFeed.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace LiveFeed.Tests.Cli;

/// <summary><c>livefeed post --at</c>, <c>scheduled</c> and <c>cancel</c> against a real server whose clock the test moves.</summary>
public sealed class ScheduleCliTests : IDisposable
{
    // 09:19 UTC is 2:49 PM in the tests' UTC+5:30 zone.
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 28, 9, 19, 0, TimeSpan.Zero));
    private readonly LiveFeedServer _server;

    public ScheduleCliTests() => _server = new LiveFeedServer(clock: _clock);

    public void Dispose() => _server.Dispose();

    private Task<CliRun> Cli(params string[] args) =>
        CliRun.RunAsync(new Dictionary<string, string> { ["LIVEFEED_URL"] = _server.BaseAddress.ToString(), ["LIVEFEED_KEY"] = LiveFeedServer.NewsroomKey }, args);

    private async Task<IReadOnlyList<ScheduledItem>> ScheduledAsync(string feed)
    {
        using var http = _server.CreateNewsroomClient();
        return await new NewsroomClient(http, new NewsroomClientOptions { ApiKey = LiveFeedServer.NewsroomKey }).ListScheduledAsync(feed);
    }

    [Fact]
    public async Task PostAtAnIsoTimeSchedulesTheItemAndScheduledListsItWithItsLocalTime()
    {
        var posted = await Cli("post", "Embargo lifts", "--at", "2026-11-28T12:30:00Z", "--priority", "urgent");
        var id = Assert.Single(await ScheduledAsync("main")).Id;
        var listed = await Cli("scheduled");

        Assert.Equal((0, $"Scheduled {id} for main at 2026-11-28 6:00:00 PM.\n", ""), (posted.ExitCode, posted.Output.Text, posted.Error.Text));
        Assert.Equal((0, $"{id}  2026-11-28 6:00:00 PM  urgent  Embargo lifts\n"), (listed.ExitCode, listed.Output.Text));
    }

    [Fact]
    public async Task PostAtARelativeTimeSchedulesItThatFarFromNowAndJsonIsTheScheduledItem()
    {
        var before = DateTime.UtcNow;
        var posted = await Cli("post", "In ten days", "--feed", "business", "--at", "+10d", "--json");

        Assert.Equal(0, posted.ExitCode);
        var item = JsonSerializer.Deserialize<ScheduledItem>(posted.Output.Text, LiveFeedJson.Options)!;
        Assert.Equal(("In ten days", "business"), (item.Headline, item.Feed));
        // The CLI counts from its own clock (the real one), not the server's test clock.
        Assert.InRange(item.PublishAt, before.AddDays(10).AddSeconds(-1), DateTime.UtcNow.AddDays(10));
        Assert.Equal([item.Id], (await ScheduledAsync("business")).Select(scheduled => scheduled.Id));
    }

    [Fact]
    public async Task CancelStopsAScheduledItemAndCancellingItAgainIsOneLineOnStderrAndExitCode1()
    {
        await Cli("post", "Cancelled", "--feed", "cancel", "--at", "2026-11-28T10:00:00Z");
        var id = Assert.Single(await ScheduledAsync("cancel")).Id;

        var cancelled = await Cli("cancel", id, "--feed", "cancel");
        var again = await Cli("cancel", id, "--feed", "cancel");

        Assert.Equal((0, $"Cancelled {id} in cancel: it will not go out.\n"), (cancelled.ExitCode, cancelled.Output.Text));
        Assert.Equal(1, again.ExitCode);
        Assert.StartsWith($"livefeed: feed 'cancel' has no scheduled item '{id}' waiting", Assert.Single(again.Error.Lines), StringComparison.Ordinal);
        Assert.Empty(await ScheduledAsync("cancel"));
    }

    [Theory]
    [InlineData("2026-11-28T12:30:00", "has no offset")]
    [InlineData("tomorrow", "is not a time")]
    [InlineData("+10y", "is not a time")]
    public async Task AnAtThatNamesNoInstantIsAUsageErrorAndSchedulesNothing(string at, string message)
    {
        var posted = await Cli("post", "Never", "--at", at);

        Assert.Equal(2, posted.ExitCode);
        Assert.Contains(message, Assert.Single(posted.Error.Lines), StringComparison.Ordinal);
        Assert.Empty(await ScheduledAsync("main"));
    }

    [Fact]
    public async Task AnAtInThePastIsTheServersRefusalNamingPublishAt()
    {
        var posted = await Cli("post", "Too late", "--at", "2026-11-28T09:00:00Z");

        Assert.Equal(1, posted.ExitCode);
        Assert.Contains("publishAt", Assert.Single(posted.Error.Lines), StringComparison.Ordinal);
        Assert.Empty(await ScheduledAsync("main"));
    }
}
