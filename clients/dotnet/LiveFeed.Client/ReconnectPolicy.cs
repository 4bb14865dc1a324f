using Microsoft.AspNetCore.SignalR.Client;

namespace LiveFeed.Client;

/// <summary>Retries for ever: at once, then 0.25 s, 0.5 s, 1 s, ... capped at <c>maxDelay</c>.</summary>
internal sealed class ReconnectPolicy(TimeSpan maxDelay) : IRetryPolicy
{
    public TimeSpan? NextRetryDelay(RetryContext retryContext) => Delay(retryContext.PreviousRetryCount);

    public TimeSpan Delay(long previousRetries)
    {
        if (previousRetries == 0)
        {
            return TimeSpan.Zero;
        }

        var delay = TimeSpan.FromMilliseconds(250 * Math.Pow(2, Math.Min(previousRetries - 1, 16)));
        return delay < maxDelay ? delay : maxDelay;
    }
}
