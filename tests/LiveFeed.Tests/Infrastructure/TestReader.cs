using System.Threading.Channels;
using LiveFeed.Contracts;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace LiveFeed.Tests.Infrastructure;

/// <summary>
/// A reader as a real client sees the hub: a SignalR connection whose pushed events are kept in
/// arrival order. Every wait has a timeout so that a lost event fails the test instead of hanging.
/// </summary>
public sealed class TestReader : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly Channel<FeedEvent> _events = Channel.CreateUnbounded<FeedEvent>();

    /// <param name="negotiate">Whether a WebSocket reader negotiates first, as the browser's client does (other transports always do).</param>
    /// <param name="automaticReconnect">Whether the client reconnects by itself when the server allows it (after 30 s: tests watch it begin).</param>
    public TestReader(Uri hubUrl, HubProtocolKind protocol, HttpTransportType transport, bool negotiate = false, bool automaticReconnect = false)
    {
        var builder = new HubConnectionBuilder()
            .WithUrl(hubUrl, options =>
            {
                options.Transports = transport;
                options.SkipNegotiation = transport == HttpTransportType.WebSockets && !negotiate;
            });
        if (protocol == HubProtocolKind.MessagePack)
        {
            builder.AddMessagePackProtocol();
        }

        if (automaticReconnect)
        {
            builder.WithAutomaticReconnect([TimeSpan.FromSeconds(30)]);
        }

        Connection = builder.Build();
        Connection.On<FeedEvent>(FeedHubProtocol.FeedEvent, e => _events.Writer.TryWrite(e));
    }

    public HubConnection Connection { get; }

    public Task StartAsync() => Connection.StartAsync();

    public Task<FeedPage> SubscribeAsync(string feed, string? epoch = null, long? sequence = null) =>
        Connection.InvokeAsync<FeedPage>(FeedHubProtocol.Subscribe, feed, epoch, sequence);

    public Task UnsubscribeAsync(string feed) => Connection.InvokeAsync(FeedHubProtocol.Unsubscribe, feed);

    /// <summary>The next pushed event, or a failure after <see cref="Timeout"/>.</summary>
    public async Task<FeedEvent> NextEventAsync(TimeSpan? timeout = null)
    {
        using var cancellation = new CancellationTokenSource(timeout ?? Timeout);
        try
        {
            return await _events.Reader.ReadAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"No FeedEvent arrived within {(timeout ?? Timeout).TotalSeconds} s.");
        }
    }

    /// <summary>The next <paramref name="count"/> pushed events, in arrival order.</summary>
    public async Task<List<FeedEvent>> NextEventsAsync(int count, TimeSpan? timeout = null)
    {
        var received = new List<FeedEvent>(count);
        using var cancellation = new CancellationTokenSource(timeout ?? Timeout);
        try
        {
            while (received.Count < count)
            {
                received.Add(await _events.Reader.ReadAsync(cancellation.Token));
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{received.Count} of {count} FeedEvents arrived within {(timeout ?? Timeout).TotalSeconds} s.");
        }

        return received;
    }

    /// <summary>True when no event arrives within <paramref name="quiet"/> (used only to prove an absence).</summary>
    public async Task<bool> StaysQuietAsync(TimeSpan quiet)
    {
        using var cancellation = new CancellationTokenSource(quiet);
        try
        {
            await _events.Reader.WaitToReadAsync(cancellation.Token);
            return false;
        }
        catch (OperationCanceledException)
        {
            return true;
        }
    }

    public async ValueTask DisposeAsync() => await Connection.DisposeAsync();
}
