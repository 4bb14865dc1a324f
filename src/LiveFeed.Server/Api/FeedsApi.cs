using System.Globalization;
using System.Security.Claims;
using LiveFeed.Contracts;
using LiveFeed.Feeds;
using LiveFeed.Server.ApiDocs;
using LiveFeed.Server.Caching;
using LiveFeed.Server.Hosting;
using LiveFeed.Server.Metrics;
using LiveFeed.Server.Newsroom;
using LiveFeed.Server.Schedule;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace LiveFeed.Server.Api;

/// <summary>
/// The HTTP API of docs/contract.md: public reads, newsroom writes. Every handler answers a typed
/// result; every error is a problem document.
/// </summary>
internal static class FeedsApi
{
    private const int DefaultItemsLimit = 50;
    private const int MaxItemsLimit = 200;
    private const int MaxEventsLimit = 1000;

    public static WebApplication MapFeedsApi(this WebApplication app)
    {
        var feeds = app.MapGroup("/api/feeds")
            .AddEndpointFilter(ApiFilters.AnswerStoreUnavailable)
            .WithTags("Feeds")
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        feeds.MapGet("/", ListFeeds).AnswersHead();

        var feed = feeds.MapGroup("/{feed}")
            .AddEndpointFilter(ApiFilters.ValidateFeedName)
            .ProducesValidationProblem();

        // Public reads: a cache may keep them a few seconds (Caching/).
        feed.MapGet("/items", ListItems).CacheAsPublicRead();
        feed.MapGet("/items/{id}", GetItem).ProducesProblem(StatusCodes.Status404NotFound).CacheAsPublicRead();
        feed.MapGet("/events", GetEvents).CacheAsPublicRead();

        // Not in the contract: the pinned item and key events however old, for the pages' column (docs/contract.md,
        // implementation notes); /pinned, the pinned item alone, for pages whose script came before /highlights.
        feed.MapGet("/highlights", GetHighlights).CacheAsPublicRead();
        feed.MapGet("/pinned", GetPinned).CacheAsPublicRead();

        feed.MapPost("/items", Publish).RequireNewsroomWrite().AcceptsItem();
        feed.MapPut("/items/{id}", Correct).RequireNewsroomWrite().AcceptsItem()
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed);
        feed.MapDelete("/items/{id}", Retract).RequireNewsroomWrite().ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed);

        // Any newsroom key may read who did what (a read, not a write: no scope applies).
        feed.MapGet("/items/{id}/history", History).AnswersHead().RequireNewsroomKey().ProducesProblem(StatusCodes.Status404NotFound);

        // Items waiting for their publishAt (Schedule/).
        feed.MapScheduleApi();
        return app;
    }

    /// <summary>
    /// The handler reads an <see cref="ItemRequest"/> itself (ItemRequestReader): 413 over 64 KiB, 415 when not JSON.
    /// Described for the document only: <c>Accepts</c> would make routing refuse other content types before
    /// the newsroom key is checked and without the reader's problem detail.
    /// </summary>
    public static RouteHandlerBuilder AcceptsItem(this RouteHandlerBuilder endpoint) =>
        endpoint.WithJsonBody<ItemRequest>()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

    public static async Task<Ok<IReadOnlyList<FeedSummary>>> ListFeeds(IFeedStore store, CancellationToken cancellationToken) =>
        TypedResults.Ok(await store.ListFeedsAsync(cancellationToken));

    public static async Task<Results<Ok<ItemsPage>, ProblemHttpResult>> ListItems(
        string feed, string? limit, string? before, IFeedStore store, CancellationToken cancellationToken)
    {
        before = Given(before);
        if (!TryParseLimit(limit, DefaultItemsLimit, MaxItemsLimit, out var count))
        {
            return ApiProblems.Invalid("limit", $"The limit must be a whole number from 1 to {MaxItemsLimit}.");
        }

        ItemsSlice slice;
        try
        {
            slice = await store.ListItemsAsync(feed, before, count, cancellationToken);
        }
        catch (UnknownItemException)
        {
            return ApiProblems.Invalid("before", "No such item is kept in this feed: page with the 'next' URLs the API answers.");
        }

        return TypedResults.Ok(new ItemsPage
        {
            Feed = feed,
            Epoch = slice.Epoch,
            Sequence = slice.Sequence,
            Items = slice.Items,
            Next = slice.HasOlder && slice.Items.Count > 0
                ? $"/api/feeds/{feed}/items?limit={count}&before={Uri.EscapeDataString(slice.Items[^1].Id)}"
                : null,
        });
    }

    public static async Task<Results<Ok<FeedItem>, ProblemHttpResult>> GetItem(
        string feed, string id, HttpResponse response, IFeedStore store, CancellationToken cancellationToken)
    {
        var stored = ItemIds.IsPlausible(id) ? await store.GetItemAsync(feed, id, cancellationToken) : null;
        if (stored is null)
        {
            return ApiProblems.ItemNotFound(feed, id);
        }

        // The item's version, not a hash of the body: the same tag a PUT answers and If-Match names (Caching/ keeps it).
        response.Tag(stored.Version);
        return TypedResults.Ok(stored.Item);
    }

    public static async Task<Ok<HighlightsAnswer>> GetHighlights(string feed, IFeedStore store, CancellationToken cancellationToken)
    {
        var read = await store.GetHighlightsAsync(feed, cancellationToken);
        return TypedResults.Ok(new HighlightsAnswer(feed, read.Epoch, read.Sequence, read.Pinned, read.KeyEvents));
    }

    public static async Task<Ok<PinnedAnswer>> GetPinned(string feed, IFeedStore store, CancellationToken cancellationToken)
    {
        var read = await store.GetHighlightsAsync(feed, cancellationToken);
        return TypedResults.Ok(new PinnedAnswer(feed, read.Epoch, read.Sequence, read.Pinned));
    }

    public static async Task<Results<Ok<ItemHistory>, ProblemHttpResult>> History(
        string feed, string id, IFeedStore store, CancellationToken cancellationToken)
    {
        var events = ItemIds.IsPlausible(id) ? await store.GetHistoryAsync(feed, id, cancellationToken) : null;
        return events is null ? ApiProblems.ItemNotFound(feed, id) : TypedResults.Ok(new ItemHistory { Feed = feed, Id = id, Events = events });
    }

    public static async Task<Results<Ok<FeedPage>, ProblemHttpResult>> GetEvents(
        string feed, string? epoch, string? after, string? limit, IFeedStore store, CancellationToken cancellationToken)
    {
        if (!TryParseLimit(limit, MaxEventsLimit, MaxEventsLimit, out var count))
        {
            return ApiProblems.Invalid("limit", $"The limit must be a whole number from 1 to {MaxEventsLimit}.");
        }

        FeedPosition? position = null;
        (epoch, after) = (Given(epoch), Given(after));
        if (epoch is not null || after is not null)
        {
            if (string.IsNullOrEmpty(epoch) || !long.TryParse(after, NumberStyles.None, CultureInfo.InvariantCulture, out var sequence))
            {
                return ApiProblems.Invalid(
                    string.IsNullOrEmpty(epoch) ? "epoch" : "after",
                    "A position is an 'epoch' and an 'after' sequence (a whole number), given together.");
            }

            position = new FeedPosition(epoch, sequence);
        }

        return TypedResults.Ok(await store.ReadAsync(feed, position, count, cancellationToken));
    }

    /// <summary>Publishes now (201), or, with <c>publishAt</c>, schedules (202, <see cref="ScheduleApi"/>).</summary>
    public static async Task<Results<Created<FeedItem>, Accepted<ScheduledItem>, ProblemHttpResult>> Publish(
        string feed, HttpRequest request, ClaimsPrincipal user, NewsroomService newsroom, ScheduleService schedule, LiveFeedMetrics metrics,
        CancellationToken cancellationToken)
    {
        var started = LiveFeedMetrics.StartTimer();
        var idempotencyKey = request.Headers["Idempotency-Key"].ToString();
        if (request.Headers.ContainsKey("Idempotency-Key") && !IsValidIdempotencyKey(idempotencyKey))
        {
            return ApiProblems.Invalid("Idempotency-Key", $"An Idempotency-Key is 1 to {ItemLimits.IdempotencyKeyMaxLength} visible ASCII characters.");
        }

        var (content, publishAt, problem) = await ItemRequestReader.ReadAsync(request, PublishAtField.Optional, schedule.Now(), cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (publishAt is { } at)
        {
            return await ScheduleApi.ScheduleAsync(
                feed, content!, at, Author(user), idempotencyKey.Length == 0 ? null : idempotencyKey, schedule, request.HttpContext.Response, cancellationToken);
        }

        var result = await newsroom.PublishAsync(feed, content!, Author(user), idempotencyKey.Length == 0 ? null : idempotencyKey, cancellationToken);
        if (result.Event is null)
        {
            request.HttpContext.Response.Headers["Idempotent-Replayed"] = "true";
        }
        else
        {
            metrics.Published(started);
        }

        request.HttpContext.Response.Tag(result.Version);
        return TypedResults.Created($"/api/feeds/{feed}/items/{result.Item.Id}", result.Item);
    }

    public static async Task<Results<Ok<FeedItem>, ProblemHttpResult>> Correct(
        string feed, string id, HttpRequest request, ClaimsPrincipal user, NewsroomService newsroom, CancellationToken cancellationToken)
    {
        if (!ItemETags.TryRead(request, out var ifMatch))
        {
            return ApiProblems.InvalidIfMatch();
        }

        var (content, problem) = await ItemRequestReader.ReadAsync(request, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (!ItemIds.IsPlausible(id))
        {
            return ApiProblems.ItemNotFound(feed, id);
        }

        var result = await newsroom.CorrectAsync(feed, id, content!, Author(user), ifMatch, cancellationToken);
        request.HttpContext.Response.Tag(result.Version);
        return result.Status switch
        {
            ChangeStatus.Changed => TypedResults.Ok(result.Item!),
            ChangeStatus.AlreadyRetracted => ApiProblems.ItemRetracted(),
            ChangeStatus.VersionMismatch => ApiProblems.ItemChanged(result.Item!),
            _ => ApiProblems.ItemNotFound(feed, id),
        };
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> Retract(
        string feed, string id, HttpRequest request, ClaimsPrincipal user, NewsroomService newsroom, CancellationToken cancellationToken)
    {
        if (!ItemETags.TryRead(request, out var ifMatch))
        {
            return ApiProblems.InvalidIfMatch();
        }

        if (!ItemIds.IsPlausible(id))
        {
            return ApiProblems.ItemNotFound(feed, id);
        }

        var result = await newsroom.RetractAsync(feed, id, Author(user), ifMatch, cancellationToken);
        switch (result.Status)
        {
            case ChangeStatus.NotFound:
                return ApiProblems.ItemNotFound(feed, id);
            case ChangeStatus.VersionMismatch:
                request.HttpContext.Response.Tag(result.Version);
                return ApiProblems.ItemChanged(result.Item!);
            default:
                return TypedResults.NoContent();
        }
    }

    public static string Author(ClaimsPrincipal user) => user.Identity?.Name ?? throw new InvalidOperationException("Writes require a newsroom key.");

    private static bool IsValidIdempotencyKey(string key) =>
        key.Length is > 0 and <= ItemLimits.IdempotencyKeyMaxLength && key.All(c => c is >= '!' and <= '~');

    /// <summary>
    /// A query parameter's value, null when it is left out or empty: a client filling in the contract's
    /// <c>?epoch=&amp;after=&amp;limit=</c> with nothing means "not given".
    /// </summary>
    private static string? Given(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static bool TryParseLimit(string? text, int defaultValue, int max, out int limit)
    {
        if (Given(text) is null)
        {
            limit = defaultValue;
            return true;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out limit) && limit >= 1 && limit <= max;
    }
}

/// <summary>
/// The answer of <c>GET /api/feeds/{feed}/pinned</c> (an implementation note, not contract): the feed's pinned item however
/// old, null when none is, and the position it was read at, so that a column that applied later events can tell it is older.
/// </summary>
internal sealed record PinnedAnswer(string Feed, string Epoch, long Sequence, FeedItem? Item);

/// <summary>
/// The answer of <c>GET /api/feeds/{feed}/highlights</c> (an implementation note, not contract): what the pages show
/// above the column however old, the pinned item (null when none is) and the newest key events (newest first), and the
/// position they were read at.
/// </summary>
internal sealed record HighlightsAnswer(string Feed, string Epoch, long Sequence, FeedItem? Pinned, IReadOnlyList<FeedItem> KeyEvents);
