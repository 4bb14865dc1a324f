using LiveFeed.Contracts;
using LiveFeed.Server.Api;
using LiveFeed.Server.FeedDocuments;
using LiveFeed.Server.Hosting;
using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace LiveFeed.Server.Cors;

/// <summary>
/// The <c>Cors</c> configuration section. Reads and the hub are public but a browser lets another site's page
/// use them only when that site is listed; writes never cross origins unless a site is listed for them.
/// </summary>
internal sealed class CorsOptions
{
    public const string Section = "Cors";

    /// <summary>
    /// <c>Cors:AllowedOrigins</c>: sites whose pages may use the hub and the read API (news sites embedding the
    /// widget); <c>*</c> for any. Unset means any: the widget works on every site, as the reads are public. (A
    /// default in the property would be merged with the configured entries by the binder.)
    /// </summary>
    public string[] AllowedOrigins { get; set; } = [];

    /// <summary><c>Cors:WriteOrigins</c>: sites whose pages may also write with a newsroom key. None by default.</summary>
    public string[] WriteOrigins { get; set; } = [];

    public bool AllowsRead(string origin) =>
        AllowedOrigins.Length == 0 || AllowedOrigins.Contains("*") || Contains(AllowedOrigins, origin) || AllowsWrite(origin);

    public bool AllowsWrite(string origin) => Contains(WriteOrigins, origin);

    private static bool Contains(string[] origins, string origin) =>
        origins.Any(allowed => string.Equals(allowed.TrimEnd('/'), origin, StringComparison.OrdinalIgnoreCase));
}

/// <summary>CORS for the hub and the API, chosen per request: what is asked (a read or a write) picks the list.</summary>
internal static class CorsHosting
{
    public static IHostApplicationBuilder AddLiveFeedCors(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<CorsOptions>()
            .BindSettings(CorsOptions.Section)
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<CorsOptions>, CorsOptionsValidator>();
        builder.Services.AddCors();
        builder.Services.AddSingleton<ICorsPolicyProvider, LiveFeedCorsPolicyProvider>();
        return builder;
    }

    /// <summary>Before authentication and the limits, so that preflights are answered as they are.</summary>
    public static WebApplication UseLiveFeedCors(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<CorsOptions>>();
        app.Use((context, next) => RefuseCrossOriginRequests(context, next, options.Value));
        // Not for a hub WebSocket: browsers apply no CORS to WebSockets (RefuseCrossOriginRequests refuses one from an
        // origin not listed), and the CORS middleware takes its policy provider from the request's services, which
        // makes a service scope that would live, with the request, as long as the reader stays.
        app.UseWhen(context => !ReaderRequests.IsHubWebSocket(context.Request), branch => branch.UseCors());
        return app;
    }

    internal static bool IsHub(HttpRequest request) => request.Path.StartsWithSegments(FeedHubProtocol.Path, StringComparison.OrdinalIgnoreCase);

    internal static bool IsApi(HttpRequest request) => request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase);

    internal static bool IsWriteMethod(string method) =>
        !HttpMethods.IsGet(method) && !HttpMethods.IsHead(method) && !HttpMethods.IsOptions(method);

    /// <summary>A scheme (http or https), a host and an optional port; nothing after them but one '/'.</summary>
    internal static bool IsOrigin(string origin) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            && uri.AbsolutePath == "/" && string.IsNullOrEmpty(uri.Query) && !origin.TrimEnd('/').EndsWith('/');

    /// <summary>
    /// CORS only tells browsers what they may read; the server still takes the request. Two requests are refused
    /// outright when their Origin is another site that is not listed: a write (a page could otherwise post with a
    /// key it got hold of), and a WebSocket to the hub (browsers apply no CORS to WebSockets).
    /// </summary>
    // Not async on the way through: a hub connection is one request as long as the reader stays, and an awaiting
    // middleware would hold its state for every reader.
    private static Task RefuseCrossOriginRequests(HttpContext context, RequestDelegate next, CorsOptions options) =>
        IsRefusedOrigin(context, options) ? RefuseOriginAsync(context) : next(context);

    // The application's options, not the request's services: asking those makes a service scope, which a hub
    // connection's request would keep as long as its reader stays.
    private static bool IsRefusedOrigin(HttpContext context, CorsOptions options)
    {
        var origin = context.Request.Headers.Origin.ToString();
        if (origin.Length == 0 || IsSameOrigin(context.Request, origin))
        {
            return false;
        }

        return (IsApi(context.Request) && IsWriteMethod(context.Request.Method) && !options.AllowsWrite(origin))
            || (IsHub(context.Request) && IsWebSocket(context.Request) && !options.AllowsRead(origin));
    }

    private static Task RefuseOriginAsync(HttpContext context) =>
        ApiProblems.WriteAsync(context, StatusCodes.Status403Forbidden, "This origin is not allowed",
            "Pages of this site may not make this request: see Cors:AllowedOrigins and Cors:WriteOrigins.");

    // Before the WebSockets middleware (which SignalR adds inside its endpoint), so read the request itself:
    // an HTTP/1.1 upgrade, or an HTTP/2 extended CONNECT.
    internal static bool IsWebSocket(HttpRequest request) =>
        request.Headers.Upgrade.ToString().Contains("websocket", StringComparison.OrdinalIgnoreCase) || HttpMethods.IsConnect(request.Method);

    internal static bool IsSameOrigin(HttpRequest request, string origin) =>
        string.Equals(origin, $"{request.Scheme}://{request.Host}", StringComparison.OrdinalIgnoreCase);
}

/// <summary>Stops the server at start on an entry that is not an origin, naming its key.</summary>
internal sealed class CorsOptionsValidator : IValidateOptions<CorsOptions>
{
    private const string Origin = "an origin such as https://news.example (scheme, host, optional port)";

    public ValidateOptionsResult Validate(string? name, CorsOptions options)
    {
        var failures = options.AllowedOrigins
            .Select((origin, index) => (origin, index))
            .Where(entry => entry.origin != "*" && !CorsHosting.IsOrigin(entry.origin))
            .Select(entry => $"Cors:AllowedOrigins:{entry.index} must be {Origin}, or * for any, not {BadSettings.Quote(entry.origin)}.")
            .Concat(options.WriteOrigins
                .Select((origin, index) => (origin, index))
                .Where(entry => !CorsHosting.IsOrigin(entry.origin))
                .Select(entry => $"Cors:WriteOrigins:{entry.index} must be {Origin} (* is not allowed: list each site that may write), not {BadSettings.Quote(entry.origin)}."))
            .ToList();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>Reads and the hub get the readers' list; writes (and their preflights) the writers' list.</summary>
internal sealed class LiveFeedCorsPolicyProvider(IOptions<CorsOptions> options) : ICorsPolicyProvider
{
    private readonly CorsPolicy _hub = new CorsPolicyBuilder()
        .SetIsOriginAllowed(options.Value.AllowsRead)
        .WithMethods(HttpMethods.Get, HttpMethods.Head, HttpMethods.Post)
        .AllowAnyHeader()
        // The SignalR JavaScript client negotiates with credentials: the hub is anonymous, no cookie means anything.
        .AllowCredentials()
        .WithExposedHeaders(HeaderNames.RetryAfter)
        .SetPreflightMaxAge(TimeSpan.FromHours(1))
        .Build();

    // The public reads need no credentials, and get none (docs/contract.md, "Limits and origins").
    private readonly CorsPolicy _reads = new CorsPolicyBuilder()
        .SetIsOriginAllowed(options.Value.AllowsRead)
        .WithMethods(HttpMethods.Get, HttpMethods.Head)
        .AllowAnyHeader()
        .WithExposedHeaders(HeaderNames.RetryAfter)
        .SetPreflightMaxAge(TimeSpan.FromHours(1))
        .Build();

    private readonly CorsPolicy _writers = new CorsPolicyBuilder()
        .SetIsOriginAllowed(options.Value.AllowsWrite)
        .WithMethods(HttpMethods.Post, HttpMethods.Put, HttpMethods.Delete)
        .WithHeaders(HeaderNames.Authorization, HeaderNames.ContentType, "Idempotency-Key")
        .WithExposedHeaders(HeaderNames.Location, HeaderNames.RetryAfter, "Idempotent-Replayed")
        .SetPreflightMaxAge(TimeSpan.FromHours(1))
        .Build();

    public Task<CorsPolicy?> GetPolicyAsync(HttpContext context, string? policyName)
    {
        var request = context.Request;
        if (CorsHosting.IsHub(request))
        {
            return Task.FromResult<CorsPolicy?>(_hub);
        }

        // The feed documents are public reads too.
        if (FeedDocumentsApi.IsFeedDocument(request))
        {
            return Task.FromResult<CorsPolicy?>(_reads);
        }

        if (!CorsHosting.IsApi(request))
        {
            return Task.FromResult<CorsPolicy?>(null);
        }

        // A preflight names the method it is asking for.
        var method = HttpMethods.IsOptions(request.Method) && request.Headers.ContainsKey(HeaderNames.AccessControlRequestMethod)
            ? request.Headers.AccessControlRequestMethod.ToString()
            : request.Method;
        return Task.FromResult<CorsPolicy?>(CorsHosting.IsWriteMethod(method) ? _writers : _reads);
    }
}
