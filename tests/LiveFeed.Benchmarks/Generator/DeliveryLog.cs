using System.Diagnostics;
using HdrHistogram;

namespace LiveFeed.Benchmarks.Generator;

/// <summary>
/// What every reader of one measurement received, in one place: the publish-to-receive latency of each
/// delivery (one clock: the load generator both stamps the item when it posts it and reads the stamp
/// back when a reader receives it) and the delivery count.
/// </summary>
internal sealed class DeliveryLog
{
    private const long HighestMicroseconds = 120_000_000;

    private readonly Lock _lock = new();
    private readonly LongHistogram _latency = new(HighestMicroseconds, 3);
    private long _delivered;
    private long _measuredDelivered;
    private long _lastDelivery;
    private long _measureFrom = long.MaxValue;

    /// <summary>Deliveries so far, counting each distinct event once per reader.</summary>
    public long Delivered => Interlocked.Read(ref _delivered);

    /// <summary>Deliveries of the events from <see cref="StartMeasuring"/>'s sequence on.</summary>
    public long MeasuredDelivered => Interlocked.Read(ref _measuredDelivered);

    /// <summary>When the latest delivery arrived (a <see cref="Stopwatch"/> timestamp).</summary>
    public long LastDelivery => Interlocked.Read(ref _lastDelivery);

    /// <summary>From now on, events of <paramref name="sequence"/> and later count in the latency and rate.</summary>
    public void StartMeasuring(long sequence) => Interlocked.Exchange(ref _measureFrom, sequence);

    public void Record(long sequence, long sentTimestamp)
    {
        var now = Stopwatch.GetTimestamp();
        Interlocked.Increment(ref _delivered);
        if (sequence < Interlocked.Read(ref _measureFrom))
        {
            return;
        }

        Interlocked.Increment(ref _measuredDelivered);
        var microseconds = Math.Clamp((long)Stopwatch.GetElapsedTime(sentTimestamp, now).TotalMicroseconds, 1, HighestMicroseconds);
        lock (_lock)
        {
            _latency.RecordValue(microseconds);
            if (now > _lastDelivery)
            {
                Interlocked.Exchange(ref _lastDelivery, now);
            }
        }
    }

    /// <summary>The latency at <paramref name="percentile"/> (0..100) in milliseconds.</summary>
    public double LatencyMilliseconds(double percentile)
    {
        lock (_lock)
        {
            return _latency.TotalCount == 0 ? double.NaN : _latency.GetValueAtPercentile(percentile) / 1000.0;
        }
    }

    public double MaxLatencyMilliseconds()
    {
        lock (_lock)
        {
            return _latency.TotalCount == 0 ? double.NaN : _latency.GetMaxValue() / 1000.0;
        }
    }
}
