using System.Net.Http.Json;
using LiveFeed.Contracts;

namespace LiveFeed.Tests.Infrastructure;

/// <summary>Newsroom calls the tests make again and again.</summary>
public static class NewsroomRequests
{
    public static async Task<FeedItem> PublishAsync(this HttpClient newsroom, string feed, object item)
    {
        using var response = await newsroom.PostAsJsonAsync($"/api/feeds/{feed}/items", item);
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<FeedItem>())!;
    }

    public static Task<FeedItem> PublishAsync(this HttpClient newsroom, string feed, string headline) =>
        newsroom.PublishAsync(feed, new { headline });

    /// <summary>A feed name no other test uses, so tests sharing a server do not see each other's items.</summary>
    public static string UniqueFeed(string prefix = "t") => $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(40, prefix.Length + 33)];
}
