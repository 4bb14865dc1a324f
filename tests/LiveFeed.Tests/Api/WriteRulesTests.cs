using System.Net;
using System.Text;
using LiveFeed.Contracts;
using LiveFeed.Tests.Infrastructure;

namespace LiveFeed.Tests.Api;

/// <summary>The rules every write follows about its body and headers: 413, 415, and a valid Idempotency-Key.</summary>
public sealed class WriteRulesTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>, IAsyncLifetime
{
    private const int MaxBody = 64 * 1024;

    private readonly HttpClient _newsroom = fixture.Newsroom;
    private readonly string _feed = NewsroomRequests.UniqueFeed("rules");
    private FeedItem _existing = null!;

    public async Task InitializeAsync() => _existing = await _newsroom.PublishAsync(_feed, "Already here");

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task ABodyOfExactly64KiBIsAccepted()
    {
        using var response = await _newsroom.PostAsync(ItemsUrl, new ByteArrayContent(PaddedJson(MaxBody)) { Headers = { ContentType = new("application/json") } });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task APublishOver64KiBWithAContentLengthIsRefusedWith413() =>
        await AssertStoresNothingAsync(async () =>
        {
            var content = new ByteArrayContent(PaddedJson(MaxBody + 1)) { Headers = { ContentType = new("application/json") } };
            using var response = await _newsroom.PostAsync(ItemsUrl, content);
            Assert.Equal(MaxBody + 1, content.Headers.ContentLength);
            await Api.AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        });

    [Fact]
    public async Task APublishOver64KiBSentChunkedWithoutAContentLengthIsRefusedWith413() =>
        await AssertStoresNothingAsync(async () =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, ItemsUrl) { Content = new ChunkedJsonContent(PaddedJson(MaxBody + 1)) };

            using var response = await _newsroom.SendAsync(request);

            Assert.Null(request.Content.Headers.ContentLength);
            Assert.True(request.Headers.TransferEncodingChunked);
            await Api.AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        });

    [Fact]
    public async Task ACorrectionOver64KiBIsRefusedWith413() =>
        await AssertStoresNothingAsync(async () =>
        {
            var content = new ByteArrayContent(PaddedJson(MaxBody + 1)) { Headers = { ContentType = new("application/json") } };
            using var response = await _newsroom.PutAsync(ItemUrl, content);
            await Api.AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        });

    [Fact]
    public async Task APublishSentAsTextPlainIsRefusedWith415() =>
        await AssertStoresNothingAsync(async () =>
        {
            using var response = await _newsroom.PostAsync(ItemsUrl, new StringContent("""{"headline":"Plain"}""", Encoding.UTF8, "text/plain"));
            await Api.AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
        });

    [Fact]
    public async Task APublishWithoutAContentTypeIsRefusedWith415() =>
        await AssertStoresNothingAsync(async () =>
        {
            var content = new ByteArrayContent(Encoding.UTF8.GetBytes("""{"headline":"Untyped"}"""));
            using var response = await _newsroom.PostAsync(ItemsUrl, content);
            Assert.Null(content.Headers.ContentType);
            await Api.AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
        });

    [Fact]
    public async Task APublishSentAsAFormIsRefusedWith415() =>
        await AssertStoresNothingAsync(async () =>
        {
            using var response = await _newsroom.PostAsync(ItemsUrl, new FormUrlEncodedContent([new("headline", "Form")]));
            await Api.AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
        });

    [Fact]
    public async Task ACorrectionSentAsTextPlainIsRefusedWith415() =>
        await AssertStoresNothingAsync(async () =>
        {
            using var response = await _newsroom.PutAsync(ItemUrl, new StringContent("""{"headline":"Plain"}""", Encoding.UTF8, "text/plain"));
            await Api.AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
        });

    [Fact]
    public async Task AnIdempotencyKeyOf128VisibleAsciiCharactersIsAccepted()
    {
        using var response = await PostWithKeyAsync(new string('k', 127) + "~");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task AnIdempotencyKeyOver128CharactersIsRefusedNamingTheHeader() =>
        await AssertStoresNothingAsync(async () =>
        {
            using var response = await PostWithKeyAsync(new string('k', 129));
            await Api.AssertInvalidAsync(response, "Idempotency-Key");
        });

    [Theory]
    [InlineData("has space")]
    [InlineData("clé-non-ascii")]
    [InlineData("")]
    public async Task AnIdempotencyKeyThatIsNotVisibleAsciiIsRefusedNamingTheHeader(string key) =>
        await AssertStoresNothingAsync(async () =>
        {
            using var response = await PostWithKeyAsync(key);
            await Api.AssertInvalidAsync(response, "Idempotency-Key");
        });

    private string ItemsUrl => $"/api/feeds/{_feed}/items";

    private string ItemUrl => $"/api/feeds/{_feed}/items/{_existing.Id}";

    // A valid item padded with whitespace (still valid JSON) to exactly `size` bytes.
    private static byte[] PaddedJson(int size)
    {
        var json = Encoding.UTF8.GetBytes("""{"headline":"Big"}""");
        var padded = new byte[size];
        Array.Fill(padded, (byte)' ');
        json.CopyTo(padded, 0);
        return padded;
    }

    private async Task<HttpResponseMessage> PostWithKeyAsync(string key)
    {
        // Non-ASCII header values go out as UTF-8 bytes, as a careless client would send them.
        using var handler = new SocketsHttpHandler { RequestHeaderEncodingSelector = (_, _) => Encoding.UTF8 };
        using var client = new HttpClient(handler, disposeHandler: false) { BaseAddress = fixture.Server.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Post, ItemsUrl) { Content = Api.Json("""{"headline":"Keyed"}""") };
        request.Headers.Authorization = Api.Bearer(LiveFeedServer.NewsroomKey);
        Assert.True(request.Headers.TryAddWithoutValidation("Idempotency-Key", key));
        var response = await client.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    private async Task AssertStoresNothingAsync(Func<Task> badRequest)
    {
        var before = await fixture.Anonymous.StoredEventsAsync(_feed);
        await badRequest();
        Assert.Equal(before, await fixture.Anonymous.StoredEventsAsync(_feed));
    }

    /// <summary>A JSON body whose length is not known up front, so it goes out chunked.</summary>
    private sealed class ChunkedJsonContent : HttpContent
    {
        private readonly byte[] _bytes;

        public ChunkedJsonContent(byte[] bytes)
        {
            _bytes = bytes;
            Headers.ContentType = new("application/json");
        }

        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            for (var offset = 0; offset < _bytes.Length; offset += 4096)
            {
                await stream.WriteAsync(_bytes.AsMemory(offset, Math.Min(4096, _bytes.Length - offset)));
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
