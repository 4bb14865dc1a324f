using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using LiveFeed.Contracts;
using LiveFeed.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace LiveFeed.Tests.Api;

/// <summary>
/// One server per test class, on a clock the tests move by hand. Tests of one class run one after
/// another, so a test that reads <see cref="Clock"/> before it writes knows the exact time the server stamps.
/// </summary>
public sealed class ApiServerFixture : IDisposable
{
    // Sub-millisecond ticks on purpose: the server must cut timestamps to milliseconds.
    public static readonly DateTimeOffset Start = new DateTimeOffset(2026, 11, 28, 14, 49, 0, 123, TimeSpan.Zero).AddTicks(4567);

    public ApiServerFixture()
    {
        Server = new LiveFeedServer(clock: Clock);
        Newsroom = Server.CreateNewsroomClient();
        Anonymous = Server.CreateAnonymousClient();
    }

    public FakeTimeProvider Clock { get; } = new(Start);

    public LiveFeedServer Server { get; }

    public HttpClient Newsroom { get; }

    public HttpClient Anonymous { get; }

    /// <summary>The clock as the server stamps it: UTC, cut to milliseconds.</summary>
    public DateTime NowToTheMillisecond()
    {
        var now = Clock.GetUtcNow().UtcDateTime;
        return new DateTime(now.Ticks - (now.Ticks % TimeSpan.TicksPerMillisecond), DateTimeKind.Utc);
    }

    public void Dispose()
    {
        Newsroom.Dispose();
        Anonymous.Dispose();
        Server.Dispose();
    }
}

/// <summary>What the API tests send and check again and again.</summary>
public static class Api
{
    public const string ProblemJson = "application/problem+json";

    /// <summary>A JSON body exactly as written, so that tests can send what no serializer would.</summary>
    public static StringContent Json(string raw) => new(raw, Encoding.UTF8, "application/json");

    public static Task<HttpResponseMessage> PostRawAsync(this HttpClient client, string feed, string raw) =>
        client.PostAsync(new Uri($"/api/feeds/{feed}/items", UriKind.Relative), Json(raw));

    public static Task<HttpResponseMessage> PutRawAsync(this HttpClient client, string feed, string id, string raw) =>
        client.PutAsync(new Uri($"/api/feeds/{feed}/items/{id}", UriKind.Relative), Json(raw));

    public static async Task<JsonElement> ReadJsonAsync(this HttpResponseMessage response)
    {
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.Clone();
    }

    public static async Task<T> GetJsonAsync<T>(this HttpClient client, string url)
    {
        using var response = await client.GetAsync(new Uri(url, UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<T>())!;
    }

    /// <summary>Every event the feed keeps, as the raw JSON a reader gets: equal before and after means nothing was stored.</summary>
    public static async Task<string> StoredEventsAsync(this HttpClient client, string feed)
    {
        var head = await client.GetJsonAsync<FeedPage>($"/api/feeds/{feed}/events");
        using var response = await client.GetAsync(new Uri($"/api/feeds/{feed}/events?epoch={head.Epoch}&after=0", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>A problem document with the status, and its body.</summary>
    public static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal(ProblemJson, response.Content.Headers.ContentType?.MediaType);
        var problem = await response.ReadJsonAsync();
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()));
        return problem;
    }

    /// <summary>400 whose <c>errors</c> names exactly <paramref name="fields"/>, each with a message a person can act on.</summary>
    public static async Task<JsonElement> AssertInvalidAsync(HttpResponseMessage response, params string[] fields)
    {
        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        var errors = problem.GetProperty("errors");
        Assert.Equal(fields.Order(StringComparer.Ordinal), errors.EnumerateObject().Select(e => e.Name).Order(StringComparer.Ordinal));
        foreach (var error in errors.EnumerateObject())
        {
            Assert.NotEmpty(error.Value.EnumerateArray());
            Assert.All(error.Value.EnumerateArray(), message => Assert.False(string.IsNullOrWhiteSpace(message.GetString())));
        }

        return errors;
    }

    /// <summary>The messages the problem gives for one field, joined.</summary>
    public static string Messages(JsonElement errors, string field) =>
        string.Join(" ", errors.GetProperty(field).EnumerateArray().Select(m => m.GetString()));

    public static AuthenticationHeaderValue Bearer(string key) => new("Bearer", key);
}
