using LiveFeed.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace LiveFeed.Tests.Hub;

/// <summary>A server with default settings, shared by one test class. Tests use unique feeds.</summary>
public sealed class SharedServer : IDisposable
{
    public LiveFeedServer Server { get; } = new();

    public void Dispose() => Server.Dispose();
}

/// <summary>A server whose clock the tests set, so that timestamps can be asserted exactly.</summary>
public sealed class ClockedServer : IDisposable
{
    public ClockedServer()
    {
        Server = new LiveFeedServer(clock: Clock);
    }

    // Sub-millisecond ticks on purpose: the contract's timestamps have millisecond precision.
    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 11, 28, 14, 49, 0, 123, TimeSpan.Zero).AddTicks(4567));

    public LiveFeedServer Server { get; }

    /// <summary>Moves the clock on and answers the time the server must now stamp, cut to milliseconds.</summary>
    public DateTime Advance(TimeSpan by)
    {
        Clock.Advance(by);
        var now = Clock.GetUtcNow().UtcDateTime;
        return new DateTime(now.Ticks - (now.Ticks % TimeSpan.TicksPerMillisecond), DateTimeKind.Utc);
    }

    public void Dispose() => Server.Dispose();
}

/// <summary>A server with small reset pages and a short event log, to reach the resume rule's edges.</summary>
public sealed class SmallFeedServer : IDisposable
{
    public const int SnapshotSize = 5;
    public const int EventRetention = 5;

    public LiveFeedServer Server { get; } = new(new Dictionary<string, string?>
    {
        ["Feed:SnapshotSize"] = SnapshotSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Feed:EventRetention"] = EventRetention.ToString(System.Globalization.CultureInfo.InvariantCulture),
    });

    public void Dispose() => Server.Dispose();
}
