using LiveFeed.Server.Hubs;
using Microsoft.AspNetCore.SignalR;
using Serilog.Events;

namespace LiveFeed.Server.Logging;

/// <summary>
/// A <see cref="HubException"/> is the hub refusing what a reader asked (a bad feed name, too many feeds, too many
/// calls, no room for another reader): the reader gets its message, and the server is fine. SignalR logs every
/// exception out of a hub method ("Failed to invoke hub method") or out of <c>OnConnectedAsync</c> at Error with its
/// stack trace, refusals too, so any client could fill the Error log at will. This filter, the outermost (it is
/// added first), logs each refusal itself at Debug, one line without a stack trace; <see cref="IsSignalRsLineForARefusal"/>
/// drops SignalR's own line for it. Every other exception still reaches SignalR's Error line.
/// </summary>
internal sealed class RefusedHubCalls(ILogger<FeedHub> logger) : IHubFilter
{
    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        try
        {
            return await next(invocationContext);
        }
        catch (HubException refusal)
        {
            LiveFeedLog.HubCallRefused(logger, invocationContext.HubMethodName, invocationContext.Context.ConnectionId, refusal.Message);
            throw;
        }
    }

    public async Task OnConnectedAsync(HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
    {
        try
        {
            await next(context);
        }
        catch (HubException refusal)
        {
            LiveFeedLog.ReaderRefused(logger, context.Context.ConnectionId, refusal.Message);
            throw;
        }
    }

    /// <summary>SignalR's own log line about a <see cref="HubException"/>, which this filter has logged already.</summary>
    public static bool IsSignalRsLineForARefusal(LogEvent logEvent) =>
        logEvent.Exception is HubException
        && logEvent.Properties.TryGetValue("SourceContext", out var source)
        && source is ScalarValue { Value: string category }
        && category.StartsWith("Microsoft.AspNetCore.SignalR.", StringComparison.Ordinal);
}
