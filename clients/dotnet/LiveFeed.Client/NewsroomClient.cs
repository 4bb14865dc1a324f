using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using LiveFeed.Contracts;

namespace LiveFeed.Client;

/// <summary>
/// The newsroom HTTP API (<c>/api/feeds</c>) with typed methods. Every publish carries an
/// <c>Idempotency-Key</c>, reused on its own retries, so a retry never doubles an item. 429 and 503
/// are retried after <c>Retry-After</c>, a bounded number of times. Refusals throw
/// <see cref="LiveFeedApiException"/>.
/// </summary>
/// <remarks>
/// Give it an <see cref="HttpClient"/> whose <see cref="HttpClient.BaseAddress"/> is the server
/// (from <c>IHttpClientFactory</c>, for instance: <c>services.AddHttpClient&lt;NewsroomClient&gt;(...)</c>).
/// The client does not dispose it.
/// </remarks>
public sealed class NewsroomClient
{
    private readonly HttpClient _http;
    private readonly NewsroomClientOptions _options;

    /// <summary>Creates a client over <paramref name="httpClient"/>, whose base address is the LiveFeed server.</summary>
    public NewsroomClient(HttpClient httpClient, NewsroomClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        _http = httpClient;
        _options = options ?? new NewsroomClientOptions();
        if (_http.BaseAddress is null)
        {
            throw new ArgumentException("The HttpClient needs a BaseAddress: the LiveFeed server, e.g. http://localhost:5180.", nameof(httpClient));
        }
    }

    /// <summary>Publishes an item (<c>POST /api/feeds/{feed}/items</c>) with a fresh idempotency key.</summary>
    /// <returns>The item as the server stored it.</returns>
    public Task<FeedItem> PublishAsync(string feed, ItemRequest item, CancellationToken cancellationToken = default) =>
        PublishAsync(feed, item, Guid.NewGuid().ToString("N"), cancellationToken);

    /// <summary>
    /// Publishes an item with the given <paramref name="idempotencyKey"/>: a second publish with the same key
    /// on the same feed within 24 hours answers the first item and changes nothing.
    /// </summary>
    public async Task<FeedItem> PublishAsync(string feed, ItemRequest item, string idempotencyKey, CancellationToken cancellationToken = default) =>
        (await PublishVersionedAsync(feed, item, idempotencyKey, cancellationToken)).Item;

    /// <summary>Publishes an item with a fresh idempotency key; answers it with its version (the answer's <c>ETag</c>).</summary>
    public Task<VersionedItem> PublishVersionedAsync(string feed, ItemRequest item, CancellationToken cancellationToken = default) =>
        PublishVersionedAsync(feed, item, Guid.NewGuid().ToString("N"), cancellationToken);

    /// <summary>Publishes an item with the given idempotency key; answers it with its version (the answer's <c>ETag</c>).</summary>
    public async Task<VersionedItem> PublishVersionedAsync(string feed, ItemRequest item, string idempotencyKey, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(item);
        ArgumentException.ThrowIfNullOrEmpty(idempotencyKey);
        if (item.PublishAt is not null)
        {
            throw new ArgumentException("An item with a PublishAt is scheduled, not published: use ScheduleAsync.", nameof(item));
        }

        using var response = await SendAsync(
            () =>
            {
                var request = new HttpRequestMessage(HttpMethod.Post, ItemsPath(feed)) { Content = JsonContent.Create(item, options: LiveFeedJson.Options) };
                request.Headers.Add("Idempotency-Key", idempotencyKey);
                return request;
            },
            retryUnreachable: true,
            cancellationToken);
        return await ReadVersionedAsync(response, cancellationToken);
    }

    /// <summary>
    /// Schedules an item (<c>POST /api/feeds/{feed}/items</c> with <c>publishAt</c>, 5 s to 30 days ahead): it goes out at
    /// <paramref name="publishAt"/>, once, under the id answered. Carries a fresh idempotency key, reused on its own
    /// retries, so a retry never schedules it twice.
    /// </summary>
    /// <returns>The scheduled item as the server stored it.</returns>
    public async Task<ScheduledItem> ScheduleAsync(string feed, ItemRequest item, DateTime publishAt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(item);
        var idempotencyKey = Guid.NewGuid().ToString("N");
        using var response = await SendAsync(
            () =>
            {
                var request = new HttpRequestMessage(HttpMethod.Post, ItemsPath(feed))
                {
                    Content = JsonContent.Create(item with { PublishAt = publishAt }, options: LiveFeedJson.Options),
                };
                request.Headers.Add("Idempotency-Key", idempotencyKey);
                return request;
            },
            retryUnreachable: true,
            cancellationToken);
        return await ReadAsync<ScheduledItem>(response, cancellationToken);
    }

    /// <summary>A feed's scheduled items still waiting to go out, soonest first (<c>GET .../scheduled</c>).</summary>
    public async Task<IReadOnlyList<ScheduledItem>> ListScheduledAsync(string feed, CancellationToken cancellationToken = default) =>
        (await GetJsonAsync<ScheduledItemsPage>(FeedPath(feed) + "/scheduled", cancellationToken)).Items;

    /// <summary>
    /// Replaces a waiting scheduled item's content and time (<c>PUT .../scheduled/{id}</c>). Throws
    /// <see cref="LiveFeedApiException"/> with status 404 when it is no longer waiting (gone out, or cancelled).
    /// </summary>
    public async Task<ScheduledItem> RescheduleAsync(string feed, string id, ItemRequest item, DateTime publishAt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(item);
        using var response = await SendAsync(
            () => new HttpRequestMessage(HttpMethod.Put, ScheduledPath(feed, id))
            {
                Content = JsonContent.Create(item with { PublishAt = publishAt }, options: LiveFeedJson.Options),
            },
            retryUnreachable: false,
            cancellationToken);
        return await ReadAsync<ScheduledItem>(response, cancellationToken);
    }

    /// <summary>
    /// Cancels a scheduled item (<c>DELETE .../scheduled/{id}</c>): true when it was waiting, and then it never goes out;
    /// false when it is not waiting (it has gone out, is going out now, or was never scheduled or already cancelled).
    /// </summary>
    public async Task<bool> CancelScheduledAsync(string feed, string id, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Delete, ScheduledPath(feed, id)), retryUnreachable: false, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }

        await EnsureSuccessAsync(response, cancellationToken);
        return true;
    }

    /// <summary>Corrects an item (<c>PUT .../items/{id}</c>): its content is replaced and readers get a <c>corrected</c> event.</summary>
    /// <returns>The corrected item, with <see cref="FeedItem.UpdatedAt"/>.</returns>
    public async Task<FeedItem> CorrectAsync(string feed, string id, ItemRequest item, CancellationToken cancellationToken = default) =>
        (await CorrectAsync(feed, id, item, ifMatch: null, cancellationToken)).Item;

    /// <summary>
    /// Corrects an item only if it is still at <paramref name="ifMatch"/>, a <see cref="VersionedItem.Version"/> (<c>If-Match</c>;
    /// null: whatever its version). The content is replaced, so <see cref="ItemRequest.Pinned"/> and
    /// <see cref="ItemRequest.KeyEvent"/> left out unset them.
    /// </summary>
    /// <returns>The corrected item with its new version.</returns>
    /// <exception cref="LiveFeedItemChangedException">Someone changed the item meanwhile; nothing was changed.</exception>
    public async Task<VersionedItem> CorrectAsync(string feed, string id, ItemRequest item, string? ifMatch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(item);
        // Not retried when the answer is lost: a second correction would be a second event.
        using var response = await SendAsync(
            () => WithIfMatch(new HttpRequestMessage(HttpMethod.Put, ItemPath(feed, id)) { Content = JsonContent.Create(item, options: LiveFeedJson.Options) }, ifMatch),
            retryUnreachable: false,
            cancellationToken);
        return await ReadVersionedAsync(response, cancellationToken);
    }

    /// <summary>Retracts an item (<c>DELETE .../items/{id}</c>). Retracting it again is not an error.</summary>
    public Task RetractAsync(string feed, string id, CancellationToken cancellationToken = default) =>
        RetractAsync(feed, id, ifMatch: null, cancellationToken);

    /// <summary>Retracts an item only if it is still at <paramref name="ifMatch"/> (<c>If-Match</c>; null: whatever its version).</summary>
    /// <exception cref="LiveFeedItemChangedException">Someone changed the item meanwhile; it is not retracted.</exception>
    public async Task RetractAsync(string feed, string id, string? ifMatch, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(() => WithIfMatch(new HttpRequestMessage(HttpMethod.Delete, ItemPath(feed, id)), ifMatch), retryUnreachable: true, cancellationToken);
        try
        {
            await EnsureSuccessAsync(response, cancellationToken);
        }
        catch (LiveFeedItemChangedException changed) when (changed.Current?.Item.RetractedAt is not null)
        {
            // Retracted already (by a retry of this very request whose first answer was lost, or by a colleague):
            // what was asked for is so, as a retraction without If-Match answers.
        }
    }

    /// <summary>One item (also a retracted one), or null when the feed keeps no item with that id.</summary>
    public async Task<FeedItem?> GetAsync(string feed, string id, CancellationToken cancellationToken = default) =>
        (await GetVersionedAsync(feed, id, cancellationToken))?.Item;

    /// <summary>One item with its version (the <c>ETag</c> to correct or retract it with), or null when the feed keeps no such item.</summary>
    public async Task<VersionedItem?> GetVersionedAsync(string feed, string id, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, ItemPath(feed, id)), retryUnreachable: true, cancellationToken);
        return response.StatusCode == HttpStatusCode.NotFound ? null : await ReadVersionedAsync(response, cancellationToken);
    }

    /// <summary>
    /// Who published, corrected and retracted an item, and when (<c>GET .../items/{id}/history</c>, with the key): its kept
    /// events, oldest first. Null when the feed keeps no such item.
    /// </summary>
    public async Task<ItemHistory?> HistoryAsync(string feed, string id, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, ItemPath(feed, id) + "/history"), retryUnreachable: true, cancellationToken);
        return response.StatusCode == HttpStatusCode.NotFound ? null : await ReadAsync<ItemHistory>(response, cancellationToken);
    }

    /// <summary>One page of a feed's items, newest first, retracted ones left out (<c>GET .../items</c>).</summary>
    /// <param name="feed">The feed.</param>
    /// <param name="limit">1 to 200 items; the server's default (50) when null.</param>
    /// <param name="before">The id of the item the page starts after, or null for the newest.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<ItemsPage> ListAsync(string feed, int? limit = null, string? before = null, CancellationToken cancellationToken = default)
    {
        var query = new List<string>();
        if (limit is not null)
        {
            query.Add(string.Create(CultureInfo.InvariantCulture, $"limit={limit}"));
        }

        if (before is not null)
        {
            query.Add($"before={Uri.EscapeDataString(before)}");
        }

        return GetJsonAsync<ItemsPage>(ItemsPath(feed) + (query.Count > 0 ? "?" + string.Join('&', query) : ""), cancellationToken);
    }

    /// <summary>The page that a <see cref="ItemsPage.Next"/> URL names.</summary>
    public Task<ItemsPage> ListNextAsync(ItemsPage page, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(page);
        if (page.Next is null)
        {
            throw new InvalidOperationException("This is the last page: its 'next' is null.");
        }

        return GetJsonAsync<ItemsPage>(page.Next.TrimStart('/'), cancellationToken);
    }

    /// <summary>Every item of a feed, newest first, fetched page by page as the enumeration goes on.</summary>
    public async IAsyncEnumerable<FeedItem> ListAllAsync(string feed, int pageSize = 200, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var page = await ListAsync(feed, pageSize, null, cancellationToken);
        while (true)
        {
            foreach (var item in page.Items)
            {
                yield return item;
            }

            if (page.Next is null)
            {
                yield break;
            }

            page = await ListNextAsync(page, cancellationToken);
        }
    }

    /// <summary>
    /// The events after a position (<c>GET .../events</c>), or a reset page when the position is from another
    /// epoch or older than what the server keeps. No position: a reset page.
    /// </summary>
    public Task<FeedPage> EventsAsync(string feed, string? epoch = null, long? after = null, int? limit = null, CancellationToken cancellationToken = default)
    {
        var query = new List<string>();
        if (epoch is not null && after is not null)
        {
            query.Add($"epoch={Uri.EscapeDataString(epoch)}");
            query.Add(string.Create(CultureInfo.InvariantCulture, $"after={after}"));
        }

        if (limit is not null)
        {
            query.Add(string.Create(CultureInfo.InvariantCulture, $"limit={limit}"));
        }

        return GetJsonAsync<FeedPage>(FeedPath(feed) + "/events" + (query.Count > 0 ? "?" + string.Join('&', query) : ""), cancellationToken);
    }

    /// <summary>Every feed with its epoch and latest sequence (<c>GET /api/feeds</c>).</summary>
    public Task<IReadOnlyList<FeedSummary>> ListFeedsAsync(CancellationToken cancellationToken = default) =>
        GetJsonAsync<IReadOnlyList<FeedSummary>>("api/feeds", cancellationToken);

    private async Task<T> GetJsonAsync<T>(string path, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, path), retryUnreachable: true, cancellationToken);
        return await ReadAsync<T>(response, cancellationToken);
    }

    private static string FeedPath(string feed)
    {
        if (!FeedName.IsValid(feed))
        {
            throw new ArgumentException($"'{feed}' is not a feed name: use {FeedName.Rule}.", nameof(feed));
        }

        return $"api/feeds/{feed}";
    }

    private static string ItemsPath(string feed) => FeedPath(feed) + "/items";

    private static string ItemPath(string feed, string id)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        return ItemsPath(feed) + "/" + Uri.EscapeDataString(id);
    }

    private static string ScheduledPath(string feed, string id)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        return FeedPath(feed) + "/scheduled/" + Uri.EscapeDataString(id);
    }

    private async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> createRequest, bool retryUnreachable, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            using var request = createRequest();
            if (_options.ApiKey is { } key)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            }

            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(request, cancellationToken);
            }
            catch (Exception exception) when (retryUnreachable && attempt < _options.MaxRetries && IsTransient(exception, cancellationToken))
            {
                await Task.Delay(Backoff(attempt), _options.TimeProvider, cancellationToken);
                continue;
            }

            // 429 and 503 promise that nothing was stored: any request may be sent again.
            if (response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable && attempt < _options.MaxRetries)
            {
                var wait = LiveFeedApiException.RetryAfterOf(response.Headers.RetryAfter, _options.TimeProvider) ?? Backoff(attempt);
                if (wait <= _options.MaxRetryDelay)
                {
                    response.Dispose();
                    await Task.Delay(wait, _options.TimeProvider, cancellationToken);
                    continue;
                }
            }

            return response;
        }
    }

    // Unreachable (refused, reset, DNS) or HttpClient.Timeout; not the caller's own cancellation.
    private static bool IsTransient(Exception exception, CancellationToken cancellationToken) =>
        exception is HttpRequestException || (exception is TaskCanceledException && !cancellationToken.IsCancellationRequested);

    private static TimeSpan Backoff(int attempt) => TimeSpan.FromMilliseconds(500 * (1 << Math.Min(attempt, 6)));

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw await LiveFeedApiException.FromResponseAsync(response, cancellationToken);
        }
    }

    private static HttpRequestMessage WithIfMatch(HttpRequestMessage request, string? ifMatch)
    {
        if (ifMatch is not null && !request.Headers.TryAddWithoutValidation("If-Match", ifMatch))
        {
            throw new ArgumentException($"'{ifMatch}' cannot be sent as If-Match: give the Version of an item the client answered.", nameof(ifMatch));
        }

        return request;
    }

    private static async Task<VersionedItem> ReadVersionedAsync(HttpResponseMessage response, CancellationToken cancellationToken) =>
        new(await ReadAsync<FeedItem>(response, cancellationToken), response.Headers.ETag?.ToString());

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await EnsureSuccessAsync(response, cancellationToken);
        return await response.Content.ReadFromJsonAsync<T>(LiveFeedJson.Options, cancellationToken)
            ?? throw new LiveFeedApiException((int)response.StatusCode, "The server answered an empty body", null);
    }
}
