using System.Diagnostics.Metrics;
using System.Text;
using System.Text.Json;
using LiveFeed.Tests.Infrastructure;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;

namespace LiveFeed.Tests.Limits;

/// <summary>What the tests of readers that stop reading share.</summary>
internal static class SlowReaderSupport
{
    /// <summary>About 3.7 KB of JSON per event, so that a stalled reader's buffers fill after a few dozen.</summary>
    public static readonly string Body = string.Concat(Enumerable.Repeat("Live coverage continues. ", 140));

    // Accepted sockets inherit the listener's send buffer on Linux. A small one stands for a slow network:
    // a reader that stops reading is then felt after tens of kilobytes instead of megabytes of loopback buffers.
    public static void SmallSocketSendBuffers(IServiceCollection services) =>
        services.Configure<SocketTransportOptions>(options => options.CreateBoundListenSocket = endpoint =>
        {
            var socket = SocketTransportOptions.CreateDefaultBoundListenSocket(endpoint);
            socket.SendBufferSize = 32 * 1024;
            return socket;
        });

    /// <summary>The value the server's own observable instrument <paramref name="name"/> reports now.</summary>
    public static long ObserveThisServers(LiveFeedServer server, string name)
    {
        long? observed = null;
        using var listener = ListenToThisServers(server, name, value => observed = value);
        listener.RecordObservableInstruments();
        return observed ?? throw new InvalidOperationException($"{name} is not an instrument of this server.");
    }

    /// <summary>
    /// Listens to the server's own instrument <paramref name="name"/>: the tests' servers share a process, where
    /// a Prometheus scrape, or a listener by name alone, may meet another server's instruments.
    /// </summary>
    public static MeterListener ListenToThisServers(LiveFeedServer server, string name, Action<long> measured)
    {
        var meters = server.Services.GetRequiredService<IMeterFactory>();
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, listening) =>
            {
                if (instrument.Meter.Scope == meters && instrument.Name == name)
                {
                    listening.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => measured(value));
        listener.Start();
        return listener;
    }

    /// <summary>The sequences in one WebSocket message, which must hold whole records only.</summary>
    public static List<long> SequencesInMessage(byte[]? message)
    {
        Assert.NotNull(message);
        var text = Encoding.UTF8.GetString(message);
        Assert.EndsWith(RawHubClient.RecordSeparator.ToString(), text, StringComparison.Ordinal);
        return text.Split(RawHubClient.RecordSeparator, StringSplitOptions.RemoveEmptyEntries).SelectMany(SequencesIn).ToList();
    }

    public static IEnumerable<long> SequencesIn(string? record)
    {
        Assert.NotNull(record);
        using var message = JsonDocument.Parse(record);
        if (message.RootElement.GetProperty("type").GetInt32() == 1)
        {
            yield return message.RootElement.GetProperty("arguments")[0].GetProperty("sequence").GetInt64();
        }
    }
}
