using System.Diagnostics.Metrics;
using LiveFeed.Server.Hubs;
using LiveFeed.Server.Limits;
using LiveFeed.Server.Metrics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace LiveFeed.Tests.Hub;

/// <summary>The feeds each connection follows are forgotten with the connection, whatever is still running.</summary>
public sealed class ReaderSubscriptionsTests
{
    [Fact]
    public async Task AnUnsubscribeThatFinishesAfterItsConnectionClosedLeavesNothingBehind()
    {
        var readers = new ReaderSubscriptions();
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var metrics = new LiveFeedMetrics(services.GetRequiredService<IMeterFactory>(), new ReaderOutboxes(), new ConnectionSetups());
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
    }

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
