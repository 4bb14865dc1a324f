using System.Net;

namespace LiveFeed.Tests.Infrastructure;

/// <summary>Waits for a state that comes by itself (a reconnection, a health change), with a deadline.</summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Polls <paramref name="condition"/> until it holds; fails naming <paramref name="what"/> after the timeout.</summary>
    public static async Task HoldsAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Still not true after {(timeout ?? DefaultTimeout).TotalSeconds} s: {what}.");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Waits until <c>/health/ready</c> answers <paramref name="status"/>.</summary>
    public static Task ReadyAnswersAsync(Uri server, HttpStatusCode status, TimeSpan? timeout = null) =>
        HoldsAsync(async () =>
        {
            using var client = new HttpClient { BaseAddress = server, Timeout = TimeSpan.FromSeconds(5) };
            try
            {
                using var response = await client.GetAsync("/health/ready");
                return response.StatusCode == status;
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
            {
                return false;
            }
        }, $"{server}health/ready answers {(int)status}", timeout);
}
