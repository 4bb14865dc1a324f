using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using LiveFeed.Tests.Infrastructure;

namespace LiveFeed.Tests.Caching;

/// <summary>Answers are compressed for clients that accept it; the hub's connections never are.</summary>
public sealed partial class CompressionTests : IDisposable
{
    private readonly LiveFeedServer _server = new();

    [Theory]
    [InlineData("br")]
    [InlineData("gzip")]
    public async Task PagesScriptsAndReadsGoOutCompressedToAClientThatAcceptsIt(string encoding)
    {
        var feed = NewsroomRequests.UniqueFeed("zip");
        using var newsroom = _server.CreateNewsroomClient();
        await newsroom.PublishAsync(feed, "Squeezed but whole");
        using var reader = _server.CreateAnonymousClient(); // no automatic decompression: the bytes as sent

        var page = await GetDecodedAsync(reader, $"/?feed={feed}", encoding);
        Assert.Contains("Squeezed but whole", page, StringComparison.Ordinal);
        var script = ReaderScript().Match(page).Value;
        Assert.Contains("Subscribe", await GetDecodedAsync(reader, script, encoding), StringComparison.Ordinal);
        Assert.Contains("Squeezed but whole", await GetDecodedAsync(reader, $"/api/feeds/{feed}/items", encoding), StringComparison.Ordinal);
        Assert.Contains("Squeezed but whole", await GetDecodedAsync(reader, $"/feeds/{feed}.atom", encoding), StringComparison.Ordinal);

        // Asked for without compression, the same page comes as it is.
        using var plain = await reader.GetAsync($"/?feed={feed}");
        Assert.Empty(plain.Content.Headers.ContentEncoding);
    }

    [Fact]
    public async Task TheHubIsNeverCompressedNotItsNegotiateNorItsServerSentEvents()
    {
        using var client = _server.CreateAnonymousClient();
        using var negotiate = new HttpRequestMessage(HttpMethod.Post, "/hubs/feed/negotiate?negotiateVersion=1");
        negotiate.Headers.AcceptEncoding.ParseAdd("br, gzip");
        using var negotiated = await client.SendAsync(negotiate);
        Assert.Equal(HttpStatusCode.OK, negotiated.StatusCode);
        Assert.Empty(negotiated.Content.Headers.ContentEncoding);
        using var answer = JsonDocument.Parse(await negotiated.Content.ReadAsStringAsync());
        var token = answer.RootElement.GetProperty("connectionToken").GetString();

        // The Server-Sent Events transport: a response that lasts as long as the reader stays.
        using var events = new HttpRequestMessage(HttpMethod.Get, $"/hubs/feed?id={Uri.EscapeDataString(token!)}");
        events.Headers.Accept.ParseAdd("text/event-stream");
        events.Headers.AcceptEncoding.ParseAdd("br, gzip");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var stream = await client.SendAsync(events, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        Assert.Equal(HttpStatusCode.OK, stream.StatusCode);
        Assert.Equal("text/event-stream", stream.Content.Headers.ContentType?.MediaType);
        // (SignalR marks its event stream "identity" itself, against compressing proxies.)
        Assert.All(stream.Content.Headers.ContentEncoding, coding => Assert.Equal("identity", coding));
    }

    [Fact]
    public async Task TheWidgetAndTheScriptsOfTheReaderPagesFirstLoadWeighUnder20KBAsSent()
    {
        using var reader = _server.CreateAnonymousClient();
        var page = await reader.GetStringAsync("/?feed=light");
        var scripts = FirstLoadScripts().Matches(page).Select(match => match.Groups[1].Value).ToList();
        Assert.Contains(scripts, script => script.StartsWith("/assets/reader-", StringComparison.Ordinal));

        long readerBytes = 0;
        foreach (var script in scripts)
        {
            readerBytes += await SentBytesAsync(reader, script);
        }

        var widgetBytes = await SentBytesAsync(reader, "/widget.js");
        Assert.True(readerBytes < 20 * 1024, $"the reader page's first load sends {readerBytes} bytes of script ({string.Join(", ", scripts)})");
        Assert.True(widgetBytes < 20 * 1024, $"the widget sends {widgetBytes} bytes of script");
    }

    public void Dispose() => _server.Dispose();

    // What a browser that accepts Brotli (every current one) receives.
    private static async Task<long> SentBytesAsync(HttpClient client, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.AcceptEncoding.ParseAdd("gzip, deflate, br");
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadAsByteArrayAsync()).LongLength;
    }

    [GeneratedRegex("""<(?:script type="module" src|link rel="modulepreload" href)="([^"]+)">""")]
    private static partial Regex FirstLoadScripts();

    private static async Task<string> GetDecodedAsync(HttpClient client, string path, string encoding)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue(encoding));
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal([encoding], response.Content.Headers.ContentEncoding);
        Assert.Contains("Accept-Encoding", response.Headers.Vary);
        await using var body = await response.Content.ReadAsStreamAsync();
        await using Stream decoded = encoding == "br" ? new BrotliStream(body, CompressionMode.Decompress) : new GZipStream(body, CompressionMode.Decompress);
        using var text = new StreamReader(decoded, Encoding.UTF8);
        return await text.ReadToEndAsync();
    }

    [GeneratedRegex(@"/assets/reader-[A-Z0-9]{8}\.js")]
    private static partial Regex ReaderScript();
}
