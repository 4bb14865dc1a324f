using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace LiveFeed.Server.Newsroom;

/// <summary>
/// <c>Authorization: Bearer &lt;newsroom key&gt;</c>. A missing or wrong key answers 401 with
/// <c>WWW-Authenticate: Bearer</c> and a problem body that never repeats the key.
/// </summary>
internal sealed class NewsroomKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    NewsroomKeys keys,
    IProblemDetailsService problemDetails)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    public const string SchemeName = "NewsroomKey";
    public const string Policy = "Newsroom";

    private const string BearerPrefix = "Bearer ";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (!header.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase) || header.Length == BearerPrefix.Length)
        {
            return Task.FromResult(AuthenticateResult.Fail("The Authorization header is not 'Bearer <newsroom key>'."));
        }

        var key = keys.Find(header[BearerPrefix.Length..].Trim());
        if (key is null)
        {
            return Task.FromResult(AuthenticateResult.Fail("The newsroom key is not valid."));
        }

        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(key.ToIdentity(SchemeName)), SchemeName)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers[HeaderNames.WWWAuthenticate] = "Bearer";
        await problemDetails.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails =
            {
                Status = StatusCodes.Status401Unauthorized,
                Title = "A newsroom key is required",
                Detail = result.Failure?.Message ?? "Send the newsroom key as 'Authorization: Bearer <newsroom key>'.",
            },
        });
    }
}
