using System.Net;
using LiveFeed.Tests.Infrastructure;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace LiveFeed.Tests.Hub;

public sealed class ShutdownTests
{
    [Fact]
    public async Task AStoppingServerRefusesNewReadersSoThatItsShutdownWaitsForNone()
    {
        // A hosted service added last stops first and holds the shutdown there: the server is
        // stopping, and its listener is still up, as during any real shutdown's first moments.
        var release = new TaskCompletionSource();
        using var server = new LiveFeedServer(services: services => services.AddHostedService(_ => new HoldsShutdown(release.Task)));
        using var http = server.CreateAnonymousClient();
        using var before = await http.PostAsync("/hubs/feed/negotiate?negotiateVersion=1", null);
        var lifetime = server.Services.GetRequiredService<IHostApplicationLifetime>();

        try
        {
            lifetime.StopApplication();
            await Task.Delay(Timeout.Infinite, lifetime.ApplicationStopping).ContinueWith(_ => { }, TaskScheduler.Default).WaitAsync(TestReader.Timeout);
            using var during = await http.PostAsync("/hubs/feed/negotiate?negotiateVersion=1", null);
            using var api = await http.GetAsync("/api/feeds");

            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, during.StatusCode);
            Assert.Equal("1", during.Headers.RetryAfter?.ToString());
            Assert.Equal("application/problem+json", during.Content.Headers.ContentType?.MediaType);
            Assert.Contains("shutting down", await during.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.OK, api.StatusCode);
        }
        finally
        {
            release.SetResult();
        }
    }

    [Theory]
    [InlineData(HttpTransportType.WebSockets)]
    [InlineData(HttpTransportType.ServerSentEvents)]
    [InlineData(HttpTransportType.LongPolling)]
    public async Task AStoppingServerTellsItsReadersToReconnectOnEveryTransportAndSaysItIsNotReady(HttpTransportType transport)
    {
        var release = new TaskCompletionSource();
        using var server = new LiveFeedServer(services: services => services.AddHostedService(_ => new HoldsShutdown(release.Task)));
        await using var reader = new TestReader(new Uri(server.BaseAddress, "/hubs/feed"), HubProtocolKind.Json, transport, automaticReconnect: true);
        var reconnecting = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        reader.Connection.Reconnecting += exception =>
        {
            reconnecting.TrySetResult(exception);
            return Task.CompletedTask;
        };
        await reader.StartAsync();
        await reader.SubscribeAsync("main");
        var lifetime = server.Services.GetRequiredService<IHostApplicationLifetime>();

        try
        {
            _ = Task.Run(lifetime.StopApplication);

            // The hub's close message allowed a reconnect, and said nothing went wrong: the client reconnects quietly.
            Assert.Null(await reconnecting.Task.WaitAsync(TestReader.Timeout));
            await Eventually.ReadyAnswersAsync(server.BaseAddress, HttpStatusCode.ServiceUnavailable, TestReader.Timeout);
        }
        finally
        {
            release.SetResult();
        }
    }

    private sealed class HoldsShutdown(Task release) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => release.WaitAsync(cancellationToken);
    }
}
