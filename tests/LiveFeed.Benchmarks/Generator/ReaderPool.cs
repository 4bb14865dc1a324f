using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace LiveFeed.Benchmarks.Generator;

/// <summary>
/// Opens many readers at a bounded rate, spread over several loopback source addresses (127.0.0.2,
/// 127.0.0.3, ...) so that 10,000+ connections to one server port do not run out of ephemeral ports. Readers are hub
/// connections (<see cref="LeanReader"/>) or streams (<see cref="EventStreamReader"/>).
/// </summary>
internal sealed class ReaderPool<TReader> : IDisposable
    where TReader : class, IFeedReader
{
    // IP_BIND_ADDRESS_NO_PORT: bind the source address now, pick the port at connect time (per destination).
    private const int BindAddressNoPort = 24;

    private readonly List<HttpMessageInvoker> _invokers;
    private readonly List<TReader> _readers = [];

    public ReaderPool(int sourceAddresses)
    {
        _invokers = Enumerable.Range(2, Math.Max(1, sourceAddresses))
            .Select(last => new HttpMessageInvoker(new SocketsHttpHandler
            {
                ConnectCallback = (context, cancellationToken) => ConnectFromAsync(new IPAddress([127, 0, 0, (byte)last]), context, cancellationToken),
                PooledConnectionLifetime = TimeSpan.Zero,
            }))
            .ToList();
    }

    public IReadOnlyList<TReader> Readers => _readers;

    /// <summary>Adds readers that the caller opens, reader i from <see cref="Invoker"/>(i).</summary>
    public void Add(IEnumerable<TReader> readers) => _readers.AddRange(readers);

    /// <summary>The source address reader <paramref name="index"/> connects from: always the same one.</summary>
    public HttpMessageInvoker Invoker(int index) => _invokers[index % _invokers.Count];

    /// <summary>
    /// Opens <paramref name="count"/> readers at no more than <paramref name="perSecond"/> a second, at most
    /// <paramref name="concurrent"/> handshakes at a time; returns the failures (the readers that did open stay).
    /// </summary>
    public async Task<List<string>> OpenAsync(
        int count, Func<TReader> create, Uri uri, string feed, double perSecond, int concurrent, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        using var gate = new SemaphoreSlim(concurrent);
        var failures = new List<string>();
        var opening = new List<Task>(count);
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < count; i++)
        {
            var due = TimeSpan.FromSeconds(i / perSecond) - Stopwatch.GetElapsedTime(start);
            if (due > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(due, deadline.Token);
            }

            await gate.WaitAsync(deadline.Token);
            var reader = create();
            _readers.Add(reader);
            opening.Add(OpenOneAsync(reader, Invoker(i)));
        }

        await Task.WhenAll(opening);
        return failures;

        async Task OpenOneAsync(TReader reader, HttpMessageInvoker invoker)
        {
            try
            {
                await reader.OpenAsync(uri, invoker, feed, deadline.Token);
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                lock (failures)
                {
                    failures.Add(exception.GetBaseException().Message);
                }
            }
            finally
            {
                gate.Release();
            }
        }
    }

    /// <summary>
    /// Pings one slice of the readers, every <paramref name="slices"/>-th from <paramref name="slice"/> (hub pings keep idle
    /// SignalR connections from timing out).
    /// </summary>
    public async Task PingSliceAsync(int slice, int slices, CancellationToken cancellationToken)
    {
        for (var index = slice; index < _readers.Count; index += slices)
        {
            var reader = _readers[index];
            try
            {
                await reader.PingAsync(cancellationToken);
            }
            catch (Exception exception) when (exception is System.Net.WebSockets.WebSocketException or ObjectDisposedException or IOException)
            {
                // That reader's failure is recorded by its receive loop.
            }
        }
    }

    public void Dispose()
    {
        foreach (var reader in _readers)
        {
            reader.Abort();
        }

        foreach (var invoker in _invokers)
        {
            invoker.Dispose();
        }
    }

    private static async ValueTask<Stream> ConnectFromAsync(IPAddress source, SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            socket.SetRawSocketOption((int)SocketOptionLevel.IP, BindAddressNoPort, BitConverter.GetBytes(1));
            socket.Bind(new IPEndPoint(source, 0));
            await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
