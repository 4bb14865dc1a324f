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

    public static NotFound<ProblemDetails> ItemNotFound(string feed, string id) =>
        TypedResults.NotFound(new ProblemDetails
        {
            Status = StatusCodes.Status404NotFound,
            Title = "No such item",
            Detail = $"Feed '{feed}' keeps no item with id '{(id.Length <= 64 ? id : id[..64] + "…")}'.",
        });

    public static ProblemHttpResult StoreUnavailable() =>
        TypedResults.Problem(
            statusCode: StatusCodes.Status503ServiceUnavailable,
            title: "The feed store cannot be reached",
            detail: "Nothing was stored. Retry after the number of seconds in Retry-After.");
}
