using System.Globalization;
using LiveFeed.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace LiveFeed.Tests.Infrastructure;

/// <summary>
/// In front of a <see cref="LiveFeedServer"/>'s hub, ahead of everything else: records every negotiate (when it
/// came, what it was answered), and on demand answers negotiates with a refusal (429 or 503 with Retry-After),
/// drops every open hub connection, or closes each new one as it opens. How a test counts and times a client's connection attempts from the
/// server's side. Give <see cref="Install"/> as the server's <c>services</c>.
/// </summary>
public sealed class HubGate
{
    private readonly Lock _lock = new();
    private readonly List<Negotiate> _negotiates = [];
    private readonly HashSet<HttpContext> _connections = [];
    private (int Status, int RetryAfterSeconds)? _refusal;
    private bool _closing;

    /// <summary>The negotiates so far, oldest first.</summary>
    public IReadOnlyList<Negotiate> Negotiates
    {
        get
        {
            lock (_lock)
            {
                return [.. _negotiates];
            }
        }
    }

    public void Install(IServiceCollection services) => services.AddSingleton<IStartupFilter>(new Filter(this));

    /// <summary>From now on every negotiate answers <paramref name="status"/> with <c>Retry-After: <paramref name="retryAfterSeconds"/></c>.</summary>
    public void Refuse(int status, int retryAfterSeconds)
    {
        lock (_lock)
        {
            _refusal = (status, retryAfterSeconds);
        }
    }

    /// <summary>Negotiates go through again.</summary>
    public void Admit()
    {
        lock (_lock)
        {
            _refusal = null;
        }
    }

    /// <summary>Cuts every open hub connection (its TCP connection), as a network failure or a crashed proxy would.</summary>
    public void DropConnections()
    {
        lock (_lock)
        {
            foreach (var connection in _connections)
            {
                connection.Abort();
            }
        }
    }

    /// <summary>From now on every hub connection (after its negotiate) is cut as it opens, before it reaches the hub.</summary>
    public void CloseConnections()
    {
        lock (_lock)
        {
            _closing = true;
        }
    }

    /// <summary>Waits until <paramref name="count"/> negotiates have come; answers them.</summary>
    public async Task<IReadOnlyList<Negotiate>> WaitForNegotiatesAsync(int count, TimeSpan timeout)
    {
        await Eventually.HoldsAsync(() => Task.FromResult(Negotiates.Count >= count), $"{count} negotiates (so far {Negotiates.Count})", timeout);
        return Negotiates;
    }

    private async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        if (!context.Request.Path.StartsWithSegments(FeedHubProtocol.Path, StringComparison.Ordinal, out var rest))
        {
            await next(context);
            return;
        }

        if (rest.Equals("/negotiate", StringComparison.Ordinal))
        {
            var at = DateTimeOffset.UtcNow;
            (int Status, int RetryAfterSeconds)? refusal;
            lock (_lock)
            {
                refusal = _refusal;
            }

            if (refusal is { } refuse)
            {
                context.Response.StatusCode = refuse.Status;
                context.Response.Headers.RetryAfter = refuse.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
            }
            else
            {
                await next(context);
            }

            lock (_lock)
            {
                _negotiates.Add(new Negotiate(at, context.Response.StatusCode));
            }

            return;
        }

        lock (_lock)
        {
            if (_closing)
            {
                context.Abort();
                return;
            }

            _connections.Add(context);
        }

        try
        {
            await next(context);
        }
        finally
        {
            lock (_lock)
            {
                _connections.Remove(context);
            }
        }
    }

    private sealed class Filter(HubGate gate) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) => gate.InvokeAsync(context, nextMiddleware));
            next(app);
        };
    }
}

/// <summary>One negotiate request: when it came and the status it was answered.</summary>
public sealed record Negotiate(DateTimeOffset At, int Status);
