using System.Diagnostics.Metrics;
using LiveFeed.Feeds;
using LiveFeed.Feeds.InMemory;
using LiveFeed.Server.Audience;
using LiveFeed.Server.Hubs;
using LiveFeed.Server.Limits;
using LiveFeed.Server.Metrics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace LiveFeed.Tests.Hub;

/// <summary>
/// The feeds each connection follows are forgotten with the connection, whatever is still running, and so is the
/// connection in each feed's audience.
/// </summary>
public sealed class ReaderSubscriptionsTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly FeedAudience _audience = new();

    [Fact]
    public async Task AnUnsubscribeThatFinishesAfterItsConnectionClosedLeavesNothingBehind()
    {
        var (audience, readers, metrics) = Parts();
        var groupsAnswer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var context = new CallerContext("connection-1");
        readers.Of("connection-1").Add("main");

        // Unsubscribe waits on the group (the Redis backplane unsubscribes a channel there); SignalR does not wait
        // for a running call before OnDisconnectedAsync.
        var unsubscribing = new FeedHub(null!, readers, metrics, NullLogger<FeedHub>.Instance)
        {
            Context = context,
            Groups = new WaitingGroups(groupsAnswer.Task),
        }.Unsubscribe("main");
        await new FeedHub(null!, readers, metrics, NullLogger<FeedHub>.Instance) { Context = context }.OnDisconnectedAsync(null);
        Assert.Equal(0, readers.Connections);

        groupsAnswer.SetResult();
        await unsubscribing;
        Assert.Equal(0, readers.Connections);
        Assert.Equal(0, audience.Of("main"));
        Assert.Equal(0, audience.Total);
    }

    [Fact]
    public async Task ASubscribeThatFinishesAfterItsConnectionClosedIsNotCountedInTheAudience()
    {
        var (audience, readers, metrics) = Parts();
        var store = new InMemoryFeedStore(Options.Create(new FeedOptions()), TimeProvider.System);
        var groupsAnswer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var context = new CallerContext("connection-2");
        readers.Of("connection-2").Add("main");
        Assert.Equal(1, audience.Of("main"));

        // Subscribe waits on joining the group while the connection closes.
        var subscribing = new FeedHub(store, readers, metrics, NullLogger<FeedHub>.Instance)
        {
            Context = context,
            Groups = new WaitingGroups(groupsAnswer.Task),
        }.Subscribe("sport", null, null);
        await new FeedHub(store, readers, metrics, NullLogger<FeedHub>.Instance) { Context = context }.OnDisconnectedAsync(null);
        groupsAnswer.SetResult();
        await subscribing;

        Assert.Equal(0, audience.Of("main"));
        Assert.Equal(0, audience.Of("sport"));
        Assert.Equal(0, audience.Total);
    }

    public void Dispose() => _services.Dispose();

    private (FeedAudience Audience, ReaderSubscriptions Readers, LiveFeedMetrics Metrics) Parts() =>
        (_audience, new ReaderSubscriptions(_audience),
            new LiveFeedMetrics(_services.GetRequiredService<IMeterFactory>(), new ReaderOutboxes(), new ConnectionSetups(), _audience));

    private sealed class WaitingGroups(Task answer) : IGroupManager
    {
        public Task AddToGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default) => answer;

        public Task RemoveFromGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default) => answer;
    }

    private sealed class CallerContext(string id) : HubCallerContext
    {
        public override string ConnectionId => id;

        public override string? UserIdentifier => null;

        public override System.Security.Claims.ClaimsPrincipal? User => null;

        public override IDictionary<object, object?> Items { get; } = new Dictionary<object, object?>();

        public override IFeatureCollection Features { get; } = new FeatureCollection();

        public override CancellationToken ConnectionAborted => CancellationToken.None;

        public override void Abort()
        {
        }
    }
}
