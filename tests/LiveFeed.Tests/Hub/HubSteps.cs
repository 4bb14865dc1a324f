using System.Net;
using System.Net.Http.Json;
using LiveFeed.Contracts;
using LiveFeed.Tests.Infrastructure;

namespace LiveFeed.Tests.Hub;

/// <summary>The HTTP calls and reader steps the hub tests repeat.</summary>
internal static class HubSteps
{
    public static async Task<FeedItem> CorrectAsync(this HttpClient newsroom, string feed, string id, object item)
    {
        using var response = await newsroom.PutAsJsonAsync($"/api/feeds/{feed}/items/{id}", item);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<FeedItem>())!;
    }

    public static async Task<HttpStatusCode> RetractAsync(this HttpClient newsroom, string feed, string id)
    {
        using var response = await newsroom.DeleteAsync(new Uri($"/api/feeds/{feed}/items/{id}", UriKind.Relative));
        return response.StatusCode;
    }

    public static async Task<FeedItem> GetItemAsync(this HttpClient client, string feed, string id)
    {
        using var response = await client.GetAsync(new Uri($"/api/feeds/{feed}/items/{id}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<FeedItem>())!;
    }

    /// <summary>
    /// An event as a reader sees it, to compare what readers of different transports and protocols got with the store's
    /// log: its position and kind, and the item's text, tags, author and time (as an instant: JSON and MessagePack give the same).
    /// </summary>
    public static object AsSeen(FeedEvent e) => (e.Feed, e.Epoch, e.Sequence, e.Kind, e.Item.Id, e.Item.Headline, e.Item.Body,
        string.Join(',', e.Item.Tags), e.Item.Author, e.Item.PublishedAt.ToUniversalTime());

    /// <summary>The feed's log after (<paramref name="epoch"/>, <paramref name="after"/>), through the HTTP API.</summary>
    public static async Task<FeedPage> GetEventsAsync(this HttpClient client, string feed, string epoch, long after)
    {
        var page = await client.GetFromJsonAsync<FeedPage>(
            new Uri($"/api/feeds/{feed}/events?epoch={Uri.EscapeDataString(epoch)}&after={after}", UriKind.Relative));
        return page!;
    }

    /// <summary>
    /// The pushed events up to and including sequence <paramref name="last"/>, in arrival order; fails when
    /// it has not arrived within <paramref name="timeout"/>. Only for a reader of a single feed.
    /// </summary>
    public static async Task<List<FeedEvent>> EventsUntilAsync(this TestReader reader, long last, TimeSpan timeout)
    {
        var received = new List<FeedEvent>();
        var deadline = DateTime.UtcNow + timeout;
        while (received.Count == 0 || received[^1].Sequence < last)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException($"Sequence {last} did not arrive within {timeout.TotalSeconds} s; last seen {received.LastOrDefault()?.Sequence}.");
            }

            received.Add(await reader.NextEventAsync(left));
        }

        return received;
    }

    /// <summary>
    /// Applies pushed events the way the contract tells clients to: drop any whose sequence is not greater
    /// than the last applied, and apply the rest in order. Fails on a gap; answers the sequences applied.
    /// </summary>
    public static List<long> ApplyInOrder(long lastApplied, IEnumerable<FeedEvent> pushed)
    {
        var applied = new List<long>();
        foreach (var feedEvent in pushed)
        {
            if (feedEvent.Sequence <= lastApplied)
            {
                continue;
            }

            Assert.True(feedEvent.Sequence == lastApplied + 1, $"After sequence {lastApplied} the reader got {feedEvent.Sequence}: a gap.");
            lastApplied = feedEvent.Sequence;
            applied.Add(lastApplied);
        }

        return applied;
    }
}
