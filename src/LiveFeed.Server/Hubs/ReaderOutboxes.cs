namespace LiveFeed.Server.Hubs;

/// <summary>What the readers' outboxes hold, for operators and tests.</summary>
internal sealed class ReaderOutboxes
{
    private long _buffered;
    private long _peakPerReader;
    private long _dropped;
    private long _socketReaders;

    /// <summary>Bytes queued for all readers of this instance and not yet taken by their transports.</summary>
    public long BufferedBytes => Interlocked.Read(ref _buffered);

    /// <summary>The most bytes one reader's outbox has held (counting the message that found it full).</summary>
    public long PeakBytesPerReader => Interlocked.Read(ref _peakPerReader);

    /// <summary>Readers dropped for not keeping up.</summary>
    public long DroppedReaders => Interlocked.Read(ref _dropped);

    /// <summary>Readers (since start) whose messages went straight onto their WebSocket, past SignalR's pipe.</summary>
    public long SocketReaders => Interlocked.Read(ref _socketReaders);

    internal void Queued(long bytes, long readerTotal)
    {
        Interlocked.Add(ref _buffered, bytes);
        long peak;
        while (readerTotal > (peak = Interlocked.Read(ref _peakPerReader)) && Interlocked.CompareExchange(ref _peakPerReader, readerTotal, peak) != peak)
        {
        }
    }

    internal void Sent(long bytes) => Interlocked.Add(ref _buffered, -bytes);

    internal void Dropped() => Interlocked.Increment(ref _dropped);

    internal void SocketReader() => Interlocked.Increment(ref _socketReaders);
}
