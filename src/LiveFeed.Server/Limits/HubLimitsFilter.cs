using System.Globalization;
using System.Threading.RateLimiting;
using LiveFeed.Server.Metrics;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace LiveFeed.Server.Limits;

/// <summary>
/// The hub's limits: the cap on open connections (a second check behind the HTTP one, which can race) and
/// the calls one connection may make. A call past the limit answers a <see cref="HubException"/> and the
/// connection stays open: a well-behaved client that burst once recovers by itself.
/// </summary>
internal sealed class HubLimitsFilter(ReaderConnections readers, ConnectionSetups setups, LiveFeedMetrics metrics, IOptions<LimitsOptions> options) : IHubFilter, IDisposable
{
    // One token bucket per connection, all replenished by the partitioned limiter's one timer; a bucket that
    // stays full for a while (its connection is gone or idle) is dropped, so this holds only active connections.
    private readonly PartitionedRateLimiter<string> _invocations = PartitionedRateLimiter.Create<string, string>(connectionId =>
        RateLimitPartition.GetTokenBucketLimiter(connectionId, _ => LimitsHosting.Bucket(options.Value.HubInvocations)));

    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        using var lease = _invocations.AttemptAcquire(invocationContext.Context.ConnectionId);
        if (!lease.IsAcquired)
        {
            var seconds = lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? LimitsHosting.Seconds(retryAfter) : 1;
            throw new HubException(string.Create(CultureInfo.InvariantCulture,
                $"Too many calls on this connection: call '{invocationContext.HubMethodName}' again in {seconds} s."));
        }

        return await next(invocationContext);
    }

    public async Task OnConnectedAsync(HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
    {
        // The handshake is done: the connection's set-up is over, whatever comes next.
        setups.HandshakeDone(context.Context.GetHttpContext());
        if (!readers.TryAdd(options.Value.MaxReaderConnections))
        {
            metrics.ConnectionRefused(ConnectionRefusal.Readers);
            throw new HubException("The server has all the readers it can take: connect again in a few seconds.");
        }

        try
        {
            await next(context);
        }
        catch
        {
            // SignalR calls OnDisconnectedAsync only for connections whose OnConnectedAsync succeeded.
            readers.Remove();
            throw;
        }
    }

    public async Task OnDisconnectedAsync(HubLifetimeContext context, Exception? exception, Func<HubLifetimeContext, Exception?, Task> next)
    {
        readers.Remove();
        await next(context, exception);
    }

    public void Dispose() => _invocations.Dispose();
}
