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

    public static ProblemHttpResult StoreUnavailable() =>
        TypedResults.Problem(
            statusCode: StatusCodes.Status503ServiceUnavailable,
            title: "The feed store cannot be reached",
            detail: "Nothing was stored. Retry after the number of seconds in Retry-After.");
}
