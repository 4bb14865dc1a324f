using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Threading.RateLimiting;
using LiveFeed.Contracts;
using LiveFeed.Server.Api;
using LiveFeed.Server.Cors;
using LiveFeed.Server.Hosting;
using LiveFeed.Server.Hubs;
using LiveFeed.Server.Metrics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace LiveFeed.Server.Limits;

/// <summary>
/// What one client may ask of the server: writes per newsroom key, new hub connections per address, open
/// hub connections per instance, hub calls per connection, and request body size. See docs/security.md.
/// </summary>
internal static class LimitsHosting
{
    public static IHostApplicationBuilder AddLiveFeedLimits(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<LimitsOptions>()
            .BindSettings(LimitsOptions.Section)
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<LimitsOptions>, LimitsOptionsValidator>();

        // One partitioned limiter for every request: writes by newsroom key, new hub connections by address,
        // everything else unlimited. Partitioning by request (not by route) limits every write, also one added later.
        builder.Services.AddRateLimiter(_ => { });
        builder.Services.AddOptions<RateLimiterOptions>().Configure<IOptions<LimitsOptions>>((options, limits) =>
        {
            options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context => Partition(context, limits.Value));
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.OnRejected = AnswerTooManyRequestsAsync;
        });

        builder.Services.AddSingleton<ReaderConnections>();
        builder.Services.AddSingleton<ConnectionSetups>();
        builder.Services.AddSingleton<HubLimitsFilter>();
        builder.Services.AddSignalR(options => options.AddFilter<HubLimitsFilter>());

        // The kernel's queue of connections not yet accepted: a crowd waits there instead of being dropped (LimitsOptions.ListenBacklog).
        builder.Services.AddOptions<SocketTransportOptions>().Configure<IOptions<LimitsOptions>>((options, limits) =>
        {
            try
            {
                options.Backlog = limits.Value.ListenBacklog;
            }
            catch (OptionsValidationException)
            {
                // Kestrel asks before the start validates every setting: a bad Limits setting is named there, with the others.
            }
        });

        // No request body past 64 KiB anywhere (the newsroom's items, the hub's long-polling sends).
        builder.Services.Configure<KestrelServerOptions>(options => options.Limits.MaxRequestBodySize = ItemLimits.MaxRequestBodyBytes);

        // A body Kestrel cannot read (bad chunking, past the limit) is the client's fault: its 4xx, not a 500.
        builder.Services.Configure<ExceptionHandlerOptions>(options => options.StatusCodeSelector = exception =>
            exception is Microsoft.AspNetCore.Http.BadHttpRequestException badRequest ? badRequest.StatusCode : StatusCodes.Status500InternalServerError);
        return builder;
    }

    /// <summary>
    /// After authentication (writes are limited per newsroom key), before anything answers. A new hub connection passes
    /// three checks, cheapest and narrowest first, each answering at once: its address's rate (429), the instance's
    /// open readers (503), the set-ups in progress on the instance and from the address (429 with a jittered Retry-After).
    /// </summary>
    public static WebApplication UseLiveFeedLimits(this WebApplication app)
    {
        // ASP.NET Core's rate-limiting middleware awaits the rest of the pipeline holding its lease, so a hub WebSocket
        // (one request as long as its reader stays) would keep both for every reader. It asks the same limiter itself,
        // without awaiting: the token buckets' leases have nothing to give back, so each is let go at once.
        var limiter = app.Services.GetRequiredService<IOptions<RateLimiterOptions>>().Value;
        app.UseWhen(context => !ReaderRequests.IsHubWebSocket(context.Request), branch => branch.UseRateLimiter());
        app.Use((context, next) => ReaderRequests.IsHubWebSocket(context.Request) ? LimitHubWebSocket(context, next, limiter) : next(context));
        app.Use((context, next) => RefuseReadersPastCapacity(context, next, app.Services));
        app.Use((context, next) => AdmitConnectionSetups(context, next, app.Services));
        return app;
    }

    internal static TokenBucketRateLimiterOptions Bucket(TokenBucketLimit limit) => new()
    {
        TokenLimit = limit.TokenLimit,
        TokensPerPeriod = limit.TokensPerPeriod,
        ReplenishmentPeriod = limit.ReplenishmentPeriod,
        QueueLimit = 0,
        AutoReplenishment = true,
    };

    /// <summary>Whole seconds for <c>Retry-After</c>: never 0, which would invite an immediate retry.</summary>
    internal static int Seconds(TimeSpan wait) => Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));

    private static RateLimitPartition<string> Partition(HttpContext context, LimitsOptions limits)
    {
        var request = context.Request;
        if (IsWrite(request))
        {
            // A valid key has its own budget wherever it posts from; without one, the client address has one.
            var who = context.User.Identity is { IsAuthenticated: true, Name: { } name } ? "key:" + name : "address:" + ClientAddress(context);
            return RateLimitPartition.GetTokenBucketLimiter("write|" + who, _ => Bucket(limits.Writes));
        }

        if (ReaderRequests.IsNewReader(request))
        {
            return RateLimitPartition.GetTokenBucketLimiter("connect|" + ClientAddress(context), _ => Bucket(limits.NewConnections));
        }

        return RateLimitPartition.GetNoLimiter(string.Empty);
    }

    private static bool IsWrite(HttpRequest request) =>
        request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase)
        && !HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method) && !HttpMethods.IsOptions(request.Method);

    /// <summary>The client's address; for IPv6 its /64, which one host usually has whole.</summary>
    private static string ClientAddress(HttpContext context)
    {
        // The connection feature itself: context.Connection would make a wrapper that a hub connection's request keeps.
        var address = context.Features.Get<IHttpConnectionFeature>()?.RemoteIpAddress;
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var bytes = address.GetAddressBytes();
            Array.Clear(bytes, 8, 8);
            address = new IPAddress(bytes);
        }

        return address.ToString();
    }

    private static async ValueTask AnswerTooManyRequestsAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var context = rejected.HttpContext;
        if (!IsWrite(context.Request))
        {
            context.RequestServices.GetRequiredService<LiveFeedMetrics>().ConnectionRefused(ConnectionRefusal.AddressRate);
        }

        var seconds = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? Seconds(retryAfter) : 1;
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        await ApiProblems.WriteAsync(context, StatusCodes.Status429TooManyRequests, "Too many requests", IsWrite(context.Request)
            ? string.Create(CultureInfo.InvariantCulture, $"Past the write limit of this newsroom key: nothing was stored. Retry after {seconds} s.")
            : string.Create(CultureInfo.InvariantCulture, $"Too many new connections from this address. Retry after {seconds} s."));
    }

    private static Task LimitHubWebSocket(HttpContext context, RequestDelegate next, RateLimiterOptions options)
    {
        var lease = options.GlobalLimiter!.AttemptAcquire(context);
        if (lease.IsAcquired)
        {
            lease.Dispose();
            return next(context);
        }

        return RefuseAsync(context, lease, options);

        static async Task RefuseAsync(HttpContext context, RateLimitLease lease, RateLimiterOptions options)
        {
            using (lease)
            {
                context.Response.StatusCode = options.RejectionStatusCode;
                await options.OnRejected!(new OnRejectedContext { HttpContext = context, Lease = lease }, context.RequestAborted);
            }
        }
    }

    // Not async on the way through, and reading the application's services rather than the request's: a hub
    // connection is one request as long as the reader stays, and what a middleware keeps, it keeps per reader.
    private static Task RefuseReadersPastCapacity(HttpContext context, RequestDelegate next, IServiceProvider services)
    {
        if (ReaderRequests.IsNewReader(context.Request)
            && services.GetRequiredService<ReaderConnections>().Count >= services.GetRequiredService<IOptions<LimitsOptions>>().Value.MaxReaderConnections)
        {
            return RefuseReaderAsync(context, services);
        }

        return next(context);
    }

    /// <summary>A new reader past <c>Limits:MaxReaderConnections</c>: counted, and answered 503 with <c>Retry-After</c>.</summary>
    internal static Task RefuseReaderAsync(HttpContext context, IServiceProvider services)
    {
        services.GetRequiredService<LiveFeedMetrics>().ConnectionRefused(ConnectionRefusal.Readers);
        return RefuseAsync(context, StatusCodes.Status503ServiceUnavailable, ApiFilters.RetryAfterSeconds, "The server has all the readers it can take",
            "Connect again after the number of seconds in Retry-After, or to another instance.");
    }

    /// <summary>
    /// A new hub connection (a negotiate, or a WebSocket without negotiation) takes a set-up slot or is refused at once,
    /// before any of its work is done; the connection request that follows an admitted negotiate takes one without a
    /// check. Long polling's requests take none: its first poll answers at once, and its later ones last long.
    /// </summary>
    private static Task AdmitConnectionSetups(HttpContext context, RequestDelegate next, IServiceProvider services)
    {
        var request = context.Request;
        if (FeedHubHosting.IsNewHubConnection(request))
        {
            var limit = services.GetRequiredService<IOptions<LimitsOptions>>().Value.ConnectionSetups;
            var admission = services.GetRequiredService<ConnectionSetups>().TryBegin(context, ClientAddress(context), limit);
            if (admission != ConnectionSetups.Admission.Admitted)
            {
                services.GetRequiredService<LiveFeedMetrics>().ConnectionRefused(
                    admission == ConnectionSetups.Admission.AddressFull ? ConnectionRefusal.AddressSetups : ConnectionRefusal.Setups);
                // Whole seconds from 1 to the most, evenly: readers refused together come back spread out. 429, not 503: a
                // load balancer that fails over on 503 (the compose nginx does, to move readers off a stopping instance)
                // takes the instance out for all traffic, so a crowd would knock out every instance in turn.
                var seconds = Random.Shared.Next(1, (int)limit.MaxRetryAfter.TotalSeconds + 1);
                return RefuseAsync(context, StatusCodes.Status429TooManyRequests, seconds, "The server is busy setting up other connections",
                    "Connect again after the number of seconds in Retry-After.");
            }
        }
        else if (IsConnectionRequest(request))
        {
            services.GetRequiredService<ConnectionSetups>().Begin(context, ClientAddress(context));
        }

        return next(context);
    }

    /// <summary>The WebSocket or Server-Sent Events request that starts a negotiated connection.</summary>
    private static bool IsConnectionRequest(HttpRequest request) =>
        request.Path.StartsWithSegments(FeedHubProtocol.Path, StringComparison.OrdinalIgnoreCase, out var rest) && !rest.HasValue
        && request.Query.ContainsKey("id")
        && (CorsHosting.IsWebSocket(request)
            || (HttpMethods.IsGet(request.Method) && request.Headers.Accept.ToString().Contains("text/event-stream", StringComparison.OrdinalIgnoreCase)));

    /// <summary>Refuses a request before any work is done for it: a status, <c>Retry-After</c> in seconds, and a problem body.</summary>
    internal static Task RefuseAsync(HttpContext context, int status, int retryAfterSeconds, string title, string detail)
    {
        context.Response.StatusCode = status;
        context.Response.Headers.RetryAfter = retryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        return context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails =
            {
                Status = status,
                Title = title,
                Detail = detail,
            },
        }).AsTask();
    }
}
