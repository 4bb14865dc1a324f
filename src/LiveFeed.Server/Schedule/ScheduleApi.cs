using System.Security.Claims;
using LiveFeed.Contracts;
using LiveFeed.Feeds;
using LiveFeed.Server.Api;
using LiveFeed.Server.ApiDocs;
using LiveFeed.Server.Hosting;
using LiveFeed.Server.Newsroom;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LiveFeed.Server.Schedule;

/// <summary>
/// The scheduled-item API of docs/contract.md (<c>/api/feeds/{feed}/scheduled</c>), newsroom keys only. A scheduled item
/// is made by a <c>POST .../items</c> with <c>publishAt</c> (<see cref="ScheduleAsync"/>, called by that handler).
/// Only waiting items are listed, read, replaced or cancelled: one that went out (or is going out) answers 404.
/// </summary>
internal static class ScheduleApi
{
    public static RouteGroupBuilder MapScheduleApi(this RouteGroupBuilder feed)
    {
        feed.MapGet("/scheduled", List).AnswersHead().RequireNewsroomKey().WithTags("Schedule");
        // The Location a scheduling POST answers: a client may follow it.
        feed.MapGet("/scheduled/{id}", Get).AnswersHead().RequireNewsroomKey().WithTags("Schedule").ProducesProblem(StatusCodes.Status404NotFound);
        feed.MapPut("/scheduled/{id}", Replace).RequireNewsroomWrite().AcceptsItem().WithTags("Schedule")
            .ProducesProblem(StatusCodes.Status404NotFound);
        feed.MapDelete("/scheduled/{id}", Cancel).RequireNewsroomWrite().WithTags("Schedule")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return feed;
    }

    /// <summary>202 with the scheduled item and its <c>Location</c>; a retry with the same idempotency key answers the first.</summary>
    public static async Task<Accepted<ScheduledItem>> ScheduleAsync(
        string feed, ItemContent content, DateTime publishAt, string author, string? idempotencyKey, ScheduleService schedule, HttpResponse response,
        CancellationToken cancellationToken)
    {
        var result = await schedule.ScheduleAsync(feed, content, publishAt, author, idempotencyKey, cancellationToken);
        if (!result.Added)
        {
            response.Headers["Idempotent-Replayed"] = "true";
        }

        return TypedResults.Accepted(Location(feed, result.Item.Id), result.Item);
    }

    public static async Task<Ok<ScheduledItemsPage>> List(string feed, ScheduleService schedule, CancellationToken cancellationToken) =>
        TypedResults.Ok(new ScheduledItemsPage { Feed = feed, Items = await schedule.ListAsync(feed, cancellationToken) });

    /// <summary>The item while it waits (as the list shows it); 404 once it went out, is going out or was cancelled.</summary>
    public static async Task<Results<Ok<ScheduledItem>, ProblemHttpResult>> Get(string feed, string id, ScheduleService schedule, CancellationToken cancellationToken) =>
        (ItemIds.IsPlausible(id) ? (await schedule.ListAsync(feed, cancellationToken)).FirstOrDefault(item => item.Id == id) : null) is { } waiting
            ? TypedResults.Ok(waiting)
            : NotWaiting(feed, id);

    public static async Task<Results<Ok<ScheduledItem>, ProblemHttpResult>> Replace(
        string feed, string id, HttpRequest request, ClaimsPrincipal user, ScheduleService schedule, CancellationToken cancellationToken)
    {
        var (content, publishAt, problem) = await ItemRequestReader.ReadAsync(request, PublishAtField.Required, schedule.Now(), cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var replaced = ItemIds.IsPlausible(id)
            ? await schedule.ReplaceAsync(feed, id, content!, publishAt!.Value, FeedsApi.Author(user), cancellationToken)
            : null;
        return replaced is null ? NotWaiting(feed, id) : TypedResults.Ok(replaced);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> Cancel(
        string feed, string id, ClaimsPrincipal user, ScheduleService schedule, CancellationToken cancellationToken) =>
        ItemIds.IsPlausible(id) && await schedule.CancelAsync(feed, id, FeedsApi.Author(user), cancellationToken)
            ? TypedResults.NoContent()
            : NotWaiting(feed, id);

    private static string Location(string feed, string id) => $"/api/feeds/{feed}/scheduled/{id}";

    private static ProblemHttpResult NotWaiting(string feed, string id) =>
        TypedResults.Problem(
            statusCode: StatusCodes.Status404NotFound,
            title: "No such scheduled item",
            detail: $"Feed '{feed}' has no item with id '{(id.Length <= 64 ? id : id[..64] + "…")}' waiting to go out: it was never scheduled, "
                + $"was cancelled, or has gone out (a published item is at /api/feeds/{feed}/items/{{id}}).");
}
