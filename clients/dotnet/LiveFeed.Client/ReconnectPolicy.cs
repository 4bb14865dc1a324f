using System.Net;
using Microsoft.AspNetCore.SignalR.Client;

namespace LiveFeed.Client;

/// <summary>
/// When a <see cref="LiveFeedReader"/> tries to connect again: exponential backoff with full jitter. The n-th
/// attempt in a row (from 0) waits a uniformly random time between 0 and min(maxDelay, 1 s × 2^n): the first
/// within 1 s, then within 2, 4, 8, 16 s, then within <c>maxDelay</c> (30 s by default) for ever. Never sooner
/// than a 429's or 503's <c>Retry-After</c> asks. The count starts over only once a Subscribe has been answered
/// on a connection (<see cref="Healthy"/>): a server that accepts connections and drops them at once (its Redis
/// away) sees the waits grow, not a loop. Random waits spread the readers of a restarted instance over time.
/// </summary>
internal sealed class ReconnectPolicy(TimeSpan maxDelay, TimeProvider time, Func<double> random) : IRetryPolicy
{
    /// <summary>The longest first wait: a reader whose connection drops is back within a second, as a person expects.</summary>
    public static readonly TimeSpan FirstDelay = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The longest wait by default: a long outage costs the server one attempt per reader every 15 s on average,
    /// and no reader stays away longer than this once the server is back (unless a Retry-After asks for more).
    /// </summary>
    public static readonly TimeSpan DefaultMaxDelay = TimeSpan.FromSeconds(30);

    private readonly Lock _lock = new();
    private int _attempts;
    private DateTimeOffset _notBefore = DateTimeOffset.MinValue;

    /// <summary>The wait before the next attempt; counts the attempt.</summary>
    public TimeSpan NextDelay()
    {
        lock (_lock)
        {
            var ceiling = Math.Min(maxDelay.TotalMilliseconds, FirstDelay.TotalMilliseconds * Math.Pow(2, Math.Min(_attempts, 30)));
            _attempts++;
            var delay = TimeSpan.FromMilliseconds(ceiling * random());
            var asked = _notBefore - time.GetUtcNow();
            return asked > delay ? asked : delay;
        }
    }

    /// <summary>The server asked (429 or 503) to wait <paramref name="wait"/> before it is asked again.</summary>
    public void RetryAfter(TimeSpan wait)
    {
        lock (_lock)
        {
            var notBefore = time.GetUtcNow() + wait;
            _notBefore = notBefore > _notBefore ? notBefore : _notBefore;
        }
    }

    /// <summary>A Subscribe was answered on the current connection: the next loss starts again from the first wait.</summary>
    public void Healthy()
    {
        lock (_lock)
        {
            _attempts = 0;
            _notBefore = DateTimeOffset.MinValue;
        }
    }

    TimeSpan? IRetryPolicy.NextRetryDelay(RetryContext retryContext) => NextDelay();

    /// <summary>
    /// Wraps the hub connection's HTTP handler so that the policy hears a refused negotiate's <c>Retry-After</c>:
    /// the SignalR client reports only the status code (an <see cref="HttpRequestException"/>) and drops the header.
    /// </summary>
    public HttpMessageHandler HearRetryAfter(HttpMessageHandler inner) => new RetryAfterHandler(this, time) { InnerHandler = inner };

    private sealed class RetryAfterHandler(ReconnectPolicy policy, TimeProvider time) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable
                && LiveFeedApiException.RetryAfterOf(response.Headers.RetryAfter, time) is { } wait)
            {
                policy.RetryAfter(wait);
            }

            return response;
        }
    }
}
