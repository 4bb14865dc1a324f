using LiveFeed.Server.Api;
using LiveFeed.Server.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;
using System.Security.Claims;

namespace LiveFeed.Server.Newsroom;

/// <summary>
/// What every newsroom endpoint shares: the key, and for a write to a feed, the key's scope. <c>GET /api/newsroom/me</c>
/// tells a client (the console) which key it holds and where it may write.
/// </summary>
internal static class NewsroomApi
{
    /// <summary>
    /// A newsroom write to the route's <c>{feed}</c>: the key is required (401) and the feed must be within its scope
    /// (<c>Newsroom:Scopes</c>): outside it, 403 naming the feed, before the handler runs, so nothing is stored. Every
    /// write of the newsroom API goes through this, whatever it writes.
    /// </summary>
    public static RouteHandlerBuilder RequireNewsroomWrite(this RouteHandlerBuilder endpoint) =>
        endpoint.RequireNewsroomKey()
            .AddEndpointFilter(CheckScope)
            .ProducesProblem(StatusCodes.Status403Forbidden);

    /// <summary>The newsroom key is required (401 with <c>WWW-Authenticate: Bearer</c> without it).</summary>
    public static RouteHandlerBuilder RequireNewsroomKey(this RouteHandlerBuilder endpoint) =>
        endpoint.RequireAuthorization(NewsroomKeyAuthenticationHandler.Policy).ProducesProblem(StatusCodes.Status401Unauthorized);

    public static WebApplication MapNewsroomApi(this WebApplication app)
    {
        app.MapGroup("/api/newsroom")
            .WithTags("Newsroom")
            .MapGet("/me", Me)
            .AnswersHead()
            .RequireNewsroomKey();
        return app;
    }

    /// <summary><c>GET /api/newsroom/me</c>: the key's name and the feed patterns it may write to (<c>["*"]</c> for all).</summary>
    public static Ok<NewsroomIdentity> Me(ClaimsPrincipal user, HttpResponse response)
    {
        var key = NewsroomKey.Of(user) ?? throw new InvalidOperationException("The route requires a newsroom key.");
        response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(new NewsroomIdentity(key.Name, key.Scope.Patterns));
    }

    private static async ValueTask<object?> CheckScope(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var feed = context.HttpContext.Request.RouteValues["feed"] as string
            ?? throw new InvalidOperationException("A newsroom write's route names its {feed}.");
        var key = NewsroomKey.Of(context.HttpContext.User) ?? throw new InvalidOperationException("A newsroom write requires a newsroom key.");
        return key.Scope.Allows(feed) ? await next(context) : ApiProblems.OutsideScope(key.Name, feed, key.Scope.Patterns);
    }
}

/// <summary>The answer of <c>GET /api/newsroom/me</c>.</summary>
/// <param name="Name">The key's name: the <c>author</c> of what it publishes.</param>
/// <param name="Feeds">The feed patterns it may write to; <c>["*"]</c> for every feed.</param>
internal sealed record NewsroomIdentity(string Name, IReadOnlyList<string> Feeds);
