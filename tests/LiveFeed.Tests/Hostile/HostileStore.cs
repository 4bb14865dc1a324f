using System.Text;
using System.Text.Json;
using LiveFeed.Tests.Infrastructure;

namespace LiveFeed.Tests.Hostile;

/// <summary>What the hostile corpora start from and compare against.</summary>
internal static class HostileStore
{
    /// <summary>The feed the corpora aim at: three items, one corrected and one retracted.</summary>
    public const string Feed = "main";

    public static async Task<List<string>> SeedAsync(HttpClient newsroom)
    {
        var first = await newsroom.PublishAsync(Feed, new { headline = "First", body = "Body", tags = new[] { "a" } });
        var second = await newsroom.PublishAsync(Feed, new { headline = "Second", link = "https://example.com/2" });
        var third = await newsroom.PublishAsync(Feed, "Third");
        using (var corrected = await newsroom.PutAsync(new Uri($"/api/feeds/{Feed}/items/{first.Id}", UriKind.Relative),
            new StringContent("""{"headline":"First, corrected"}""", Encoding.UTF8, "application/json")))
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, corrected.StatusCode);
        }

        using (var retracted = await newsroom.DeleteAsync(new Uri($"/api/feeds/{Feed}/items/{third.Id}", UriKind.Relative)))
        {
            Assert.Equal(System.Net.HttpStatusCode.NoContent, retracted.StatusCode);
        }

        return [first.Id, second.Id, third.Id];
    }

    /// <summary>
    /// Every feed but <paramref name="except"/> as a reader can read it: the feed list, each feed's whole event log
    /// and its items, as the raw JSON the API answers. Equal before and after means nothing was stored or changed.
    /// </summary>
    public static async Task<string> SnapshotAsync(HttpClient client, string except)
    {
        using var list = JsonDocument.Parse(await client.GetStringAsync(new Uri("/api/feeds", UriKind.Relative)));
        var snapshot = new StringBuilder();
        foreach (var feed in list.RootElement.EnumerateArray()
            .Where(f => f.GetProperty("feed").GetString() != except)
            .OrderBy(f => f.GetProperty("feed").GetString(), StringComparer.Ordinal))
        {
            var name = feed.GetProperty("feed").GetString()!;
            var epoch = Uri.EscapeDataString(feed.GetProperty("epoch").GetString()!);
            snapshot.AppendLine(feed.GetRawText());
            snapshot.AppendLine(await client.GetStringAsync(new Uri($"/api/feeds/{name}/events?epoch={epoch}&after=0", UriKind.Relative)));
            snapshot.AppendLine(await client.GetStringAsync(new Uri($"/api/feeds/{name}/items?limit=200", UriKind.Relative)));
        }

        return snapshot.ToString();
    }
}
