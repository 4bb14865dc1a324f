using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using LiveFeed.Tests.Infrastructure;

namespace LiveFeed.Tests.Limits;

/// <summary>Steps the limit tests share.</summary>
internal static class LimitTestSupport
{
    /// <summary>A server whose limits are the test's: short windows, so that recovery comes within seconds.</summary>
    public static LiveFeedServer ServerWith(params (string Key, string Value)[] limits) =>
        new(limits.ToDictionary(limit => limit.Key, limit => (string?)limit.Value));

    /// <summary>A 429 problem with a whole, positive Retry-After: what the contract answers past a rate limit.</summary>
    public static async Task<int> AssertTooManyRequestsAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        var retryAfter = AssertRetryAfter(response);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(429, problem.RootElement.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.RootElement.GetProperty("detail").GetString()));
        return retryAfter;
    }

    public static int AssertRetryAfter(HttpResponseMessage response)
    {
        var retryAfter = response.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.True(retryAfter.Value.TotalSeconds >= 1, $"Retry-After is {retryAfter}");
        return (int)retryAfter.Value.TotalSeconds;
    }

    /// <summary>The negotiate a SignalR client starts every connection with (except WebSockets with negotiation skipped).</summary>
    public static Task<HttpResponseMessage> NegotiateAsync(HttpClient client) =>
        client.PostAsync(new Uri("/hubs/feed/negotiate?negotiateVersion=1", UriKind.Relative), null);

    public static HttpRequestMessage Post(string url, string json, string? key = LiveFeedServer.NewsroomKey)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(url, UriKind.Relative))
        {
            Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json"),
        };
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return request;
    }
}
