using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace LiveFeed.Benchmarks.Generator;

/// <summary>
/// Posts items through the newsroom API (<c>POST /api/feeds/{feed}/items</c>) at a steady rate. Each
/// headline starts with the generator's <see cref="Stopwatch"/> timestamp taken just before the request
/// is sent: the readers read it back, so latency is measured on one clock. Requests overlap when the
/// server is slow to answer (up to a bound), so a slow answer does not slow the rate down.
/// </summary>
internal sealed class Publisher(Uri server, string? newsroomKey) : IDisposable
{
    private const int MaxInFlight = 64;

    // About 200 bytes of headline and body, as in the issue's measurements.
    private static readonly string Body = new('x', 150);

    private readonly HttpClient _http = CreateClient(server, newsroomKey);
    private int _stored;

    /// <summary>Items stored (201) so far, by every run of posts of this publisher.</summary>
    public int Stored => Volatile.Read(ref _stored);

    /// <summary>
    /// Posts <paramref name="count"/> items at <paramref name="perSecond"/>, or fewer when <paramref name="stop"/> is
    /// cancelled first (posts under way are still waited for); answers how many were stored (201).
    /// </summary>
    public async Task<PublishOutcome> PublishAsync(string feed, int count, double perSecond, TimeSpan timeout, CancellationToken stop = default)
    {
        using var deadline = new CancellationTokenSource(timeout);
        using var pacing = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, stop);
        using var gate = new SemaphoreSlim(MaxInFlight);
        var posts = new List<Task<string?>>();
        var start = Stopwatch.GetTimestamp();
        try
        {
            for (var i = 0; i < count; i++)
            {
                var due = TimeSpan.FromSeconds(i / perSecond) - Stopwatch.GetElapsedTime(start);
                if (due > TimeSpan.Zero)
                {
                    await Task.Delay(due, pacing.Token);
                }

                await gate.WaitAsync(pacing.Token);
                posts.Add(PostOneAsync(feed, gate, deadline.Token));
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Asked to stop: what was posted is answered below.
        }

        count = posts.Count;

        var answers = await Task.WhenAll(posts);
        var failures = answers.Where(answer => answer is not null).ToList();
        return new PublishOutcome(count - failures.Count, failures.Count, failures.FirstOrDefault());
    }

    /// <summary>The feed's latest sequence, as LiveFeed's read API says (<c>GET /api/feeds/{feed}/items</c>).</summary>
    public async Task<long> HeadAsync(string feed, CancellationToken cancellationToken)
    {
        await using var body = await _http.GetStreamAsync(new Uri($"/api/feeds/{feed}/items?limit=1", UriKind.Relative), cancellationToken);
        using var page = await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken);
        return page.RootElement.GetProperty("sequence").GetInt64();
    }

    public void Dispose() => _http.Dispose();

    private async Task<string?> PostOneAsync(string feed, SemaphoreSlim gate, CancellationToken cancellationToken)
    {
        try
        {
            var sent = Stopwatch.GetTimestamp();
            var json = $"{{\"headline\":\"{sent} Flash: the benchmark's breaking news\",\"body\":\"{Body}\"}}";
            using var content = new StringContent(json, Encoding.UTF8, "application/json");
            using var response = await _http.PostAsync(new Uri($"/api/feeds/{feed}/items", UriKind.Relative), content, cancellationToken);
            if (response.StatusCode == HttpStatusCode.Created)
            {
                Interlocked.Increment(ref _stored);
                return null;
            }

            return $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}";
        }
        catch (Exception exception) when (exception is HttpRequestException or OperationCanceledException)
        {
            return exception.Message;
        }
        finally
        {
            gate.Release();
        }
    }

    private static HttpClient CreateClient(Uri server, string? newsroomKey)
    {
        var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = MaxInFlight })
        {
            BaseAddress = server,
            Timeout = TimeSpan.FromSeconds(60),
        };
        if (newsroomKey is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", newsroomKey);
        }

        return client;
    }
}

/// <summary>How a run of posts went: stored (201) and failed, with the first failure's text.</summary>
internal sealed record PublishOutcome(int Stored, int Failed, string? FirstFailure);
