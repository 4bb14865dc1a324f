namespace LiveFeed.Tests.Infrastructure;

/// <summary>
/// The docker-compose topology, run natively: one redis-server, two LiveFeed processes on it configured as
/// docker-compose.yml configures them (one Redis, trusting nginx's X-Forwarded-For), and nginx from apt with the
/// compose file's nginx template in front.
/// </summary>
public sealed class ComposeTopology : IAsyncDisposable
{
    private ComposeTopology(RedisServer redis, LiveFeedProcess first, LiveFeedProcess second, NginxServer nginx)
    {
        Redis = redis;
        First = first;
        Second = second;
        Nginx = nginx;
    }

    public RedisServer Redis { get; }

    public LiveFeedProcess First { get; }

    public LiveFeedProcess Second { get; }

    public NginxServer Nginx { get; }

    /// <param name="instanceSettings">Settings of both instances on top of compose's, e.g. a limit a test wants low.</param>
    public static async Task<ComposeTopology> StartAsync(IReadOnlyDictionary<string, string?>? instanceSettings = null)
    {
        var redis = await RedisServer.StartNewAsync();
        var settings = new Dictionary<string, string?>(RedisSettings.For(redis)) { ["ASPNETCORE_FORWARDEDHEADERS_ENABLED"] = "true" };
        foreach (var (key, value) in instanceSettings ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var first = new LiveFeedProcess(settings);
        var second = new LiveFeedProcess(settings);
        await Task.WhenAll(first.StartAsync(), second.StartAsync());
        var nginx = await NginxServer.StartInFrontOfAsync(first.BaseAddress, second.BaseAddress);
        return new ComposeTopology(redis, first, second, nginx);
    }

    /// <summary>A newsroom tool that only knows nginx.</summary>
    public HttpClient CreateNewsroomClient()
    {
        var client = new HttpClient { BaseAddress = Nginx.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new("Bearer", LiveFeedServer.NewsroomKey);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        await Nginx.DisposeAsync();
        await First.DisposeAsync();
        await Second.DisposeAsync();
        await Redis.DisposeAsync();
    }
}
