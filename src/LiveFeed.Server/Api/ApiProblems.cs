using LiveFeed.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace LiveFeed.Server.Api;

/// <summary>The problem documents the API answers, built in one place.</summary>
internal static class ApiProblems
{
    public static ProblemHttpResult Invalid(string field, string message) =>
        Invalid(new Dictionary<string, string[]> { [field] = [message] });

    /// <summary>400 with an <c>errors</c> object naming each bad field.</summary>
    public static ProblemHttpResult Invalid(IDictionary<string, string[]> errors) =>
        TypedResults.Problem(new HttpValidationProblemDetails(errors)
        {
            Status = StatusCodes.Status400BadRequest,
            Title = "The request is not valid",
            Detail = "See 'errors': each bad field with what is wrong with it.",
        });

    // TypedResults.Problem, not TypedResults.NotFound(problem): only a ProblemHttpResult is written as
    // application/problem+json, which the contract promises for every error.
    public static ProblemHttpResult ItemNotFound(string feed, string id) =>
        TypedResults.Problem(
            statusCode: StatusCodes.Status404NotFound,
            title: "No such item",
            detail: $"Feed '{feed}' keeps no item with id '{(id.Length <= 64 ? id : id[..64] + "…")}'.");

    public static ProblemHttpResult ItemRetracted() =>
        TypedResults.Problem(
            statusCode: StatusCodes.Status409Conflict,
            title: "The item is retracted",
            detail: "A retracted item cannot be corrected: publish a new item instead.");

    /// <summary>403: the newsroom key may not write to <paramref name="feed"/> (<c>Newsroom:Scopes</c>); <c>feed</c> names it.</summary>
    public static ProblemHttpResult OutsideScope(string keyName, string feed, IReadOnlyList<string> patterns) =>
        TypedResults.Problem(
            statusCode: StatusCodes.Status403Forbidden,
            title: "The newsroom key may not write to this feed",
            detail: $"The newsroom key '{keyName}' may write to {string.Join(", ", patterns)}; not to feed '{feed}'.",
            extensions: new Dictionary<string, object?> { ["feed"] = feed });

    /// <summary>412: the item is not at a version the request's If-Match names; the current item is in <c>item</c>.</summary>
    public static ProblemHttpResult ItemChanged(FeedItem current) =>
        TypedResults.Problem(
            statusCode: StatusCodes.Status412PreconditionFailed,
            title: "The item has changed",
            detail: "The item is no longer at the version If-Match names (someone else changed it): nothing was changed. "
                + "'item' is the item as it stands now; its ETag is this answer's.",
            extensions: new Dictionary<string, object?> { ["item"] = current });

    public static ProblemHttpResult InvalidIfMatch() =>
        Invalid(ItemETags.IfMatchField, "If-Match must be '*' or a list of entity tags (\"...\"), as the ETag of the item answered.");

    /// <summary>
    /// Answers a problem from a middleware (outside an endpoint, where no typed result is run): sets the status
    /// and writes the problem document through the problem-details service.
    /// </summary>
    public static Task WriteAsync(HttpContext context, int status, string title, string detail)
    {
        context.Response.StatusCode = status;
        return context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        }).AsTask();
    }

    public static ProblemHttpResult StoreUnavailable(bool write, bool mayHaveStored) =>
        TypedResults.Problem(
            statusCode: StatusCodes.Status503ServiceUnavailable,
            title: "The feed store cannot be reached",
            detail: (write, mayHaveStored) switch
            {
                (_, true) => "The store stopped answering after this write was sent, and whether it was stored is not known. Read the feed "
                    + "after the number of seconds in Retry-After, or send the request again with the same Idempotency-Key.",
                (true, false) => "Nothing was stored. Retry after the number of seconds in Retry-After.",
                _ => "Retry after the number of seconds in Retry-After.",
            });
}
