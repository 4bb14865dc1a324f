using System.Net.Http.Headers;
using LiveFeed.Server.Newsroom;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;

namespace LiveFeed.Tests.Infrastructure;

/// <summary>
/// A LiveFeed server on a real Kestrel port (127.0.0.1, a free port), with one newsroom key
/// named <see cref="KeyName"/>. Readers are real SignalR clients over real connections.
/// </summary>
public sealed class LiveFeedServer : WebApplicationFactory<Program>
{
    public const string NewsroomKey = "test-newsroom-key-0123456789";
    public const string KeyName = "desk";

    private readonly Dictionary<string, string?> _settings;
    private readonly FakeTimeProvider? _clock;
    private readonly Action<IServiceCollection>? _services;

    /// <param name="settings">Configuration on top of the defaults, e.g. <c>Feed:SnapshotSize</c>.</param>
    /// <param name="clock">The server's clock, when a test sets the time.</param>
    /// <param name="services">Last changes to the server's services, e.g. a store decorator.</param>
    /// <param name="port">A fixed port (e.g. a stopped server's, to restart it); 0 for a free one.</param>
    public LiveFeedServer(IDictionary<string, string?>? settings = null, FakeTimeProvider? clock = null, Action<IServiceCollection>? services = null, int port = 0)
    {
        _settings = new Dictionary<string, string?>
        {
            [$"Newsroom:ApiKeys:{KeyName}"] = NewsroomKeys.Hash(NewsroomKey),
            ["Serilog:MinimumLevel:Default"] = "Warning",
            // Tests often stop a server with readers still connected: a short drain keeps the suite fast.
            ["Shutdown:DrainWindow"] = "00:00:01",
        };
        foreach (var (key, value) in TestLimits.Generous)
        {
            _settings[key] = value;
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }

        _clock = clock;
        _services = services;
        UseKestrel(options => options.Listen(System.Net.IPAddress.Loopback, port));
        StartServer();
        BaseAddress = new Uri(Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());
    }

    /// <summary>Where the server listens, e.g. http://127.0.0.1:41234.</summary>
    public Uri BaseAddress { get; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        if (_clock is not null)
        {
            builder.ConfigureServices(services => services.Replace(ServiceDescriptor.Singleton<TimeProvider>(_clock)));
        }

        if (_services is not null)
        {
            builder.ConfigureServices(_services);
        }
    }

    /// <summary>An HTTP client with no key: what any reader or stranger has.</summary>
    public HttpClient CreateAnonymousClient() => new() { BaseAddress = BaseAddress };

    /// <summary>An HTTP client that sends the newsroom key.</summary>
    public HttpClient CreateNewsroomClient()
    {
        var client = CreateAnonymousClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", NewsroomKey);
        return client;
    }

    /// <summary>A connected reader (the official .NET SignalR client) on one protocol and transport.</summary>
    public async Task<TestReader> ConnectReaderAsync(HubProtocolKind protocol = HubProtocolKind.Json, HttpTransportType transport = HttpTransportType.WebSockets, bool negotiate = false)
    {
        var reader = new TestReader(new Uri(BaseAddress, "/hubs/feed"), protocol, transport, negotiate);
        await reader.StartAsync();
        return reader;
    }
}

public enum HubProtocolKind
{
    Json,
    MessagePack,
}
