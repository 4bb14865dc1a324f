using System.Net;
using LiveFeed.Client;
using Microsoft.Extensions.Time.Testing;

namespace LiveFeed.Tests.Client;

/// <summary>The reader's reconnect waits, on a fake clock and a chosen "random".</summary>
public sealed class ReconnectPolicyTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 28, 9, 19, 0, TimeSpan.Zero));

    [Fact]
    public void TheLongestPossibleWaitDoublesFromOneSecondUpToThirtySeconds()
    {
        var policy = Policy(() => 1.0);

        var waits = Enumerable.Range(0, 8).Select(_ => policy.NextDelay().TotalSeconds);

        Assert.Equal([1, 2, 4, 8, 16, 30, 30, 30], waits);
    }

    [Fact]
    public void EachWaitIsUniformlyRandomBetweenZeroAndItsCeiling()
    {
        var random = new Random(20261128);
        var ceilings = new[] { 1.0, 2, 4, 8, 16, 30 };
        var samples = ceilings.Select(_ => new List<double>()).ToList();
        for (var run = 0; run < 2000; run++)
        {
            var policy = Policy(random.NextDouble);
            foreach (var samplesOfAttempt in samples)
            {
                samplesOfAttempt.Add(policy.NextDelay().TotalSeconds);
            }
        }

        foreach (var (ceiling, waits) in ceilings.Zip(samples))
        {
            Assert.All(waits, wait => Assert.InRange(wait, 0, ceiling));
            // Full jitter: spread over the whole range, not bunched at the ceiling.
            Assert.InRange(waits.Average(), ceiling * 0.45, ceiling * 0.55);
            Assert.InRange(waits.Min(), 0, ceiling * 0.01);
            Assert.InRange(waits.Max(), ceiling * 0.99, ceiling);
        }
    }

    [Fact]
    public void WithoutAnAnsweredSubscribeTheWaitsKeepGrowingAndAfterOneTheyStartOver()
    {
        // A server that accepts each connection and drops it: every attempt counts, however "successful" the connect.
        var policy = Policy(() => 0.5);
        var before = Enumerable.Range(0, 4).Select(_ => policy.NextDelay().TotalSeconds).ToList();

        policy.Healthy();

        Assert.Equal([0.5, 1, 2, 4], before);
        Assert.Equal(0.5, policy.NextDelay().TotalSeconds);
    }

    [Fact]
    public void NoWaitIsShorterThanTheRetryAfterTheServerAsked()
    {
        var policy = Policy(() => 0.0);
        policy.RetryAfter(TimeSpan.FromSeconds(10));

        var first = policy.NextDelay();
        _clock.Advance(TimeSpan.FromSeconds(4));
        var second = policy.NextDelay();
        _clock.Advance(TimeSpan.FromSeconds(7));
        var third = policy.NextDelay();

        Assert.Equal((10.0, 6.0, 0.0), (first.TotalSeconds, second.TotalSeconds, third.TotalSeconds));
    }

    [Fact]
    public void ALongerBackoffThanTheRetryAfterIsKept()
    {
        var policy = Policy(() => 1.0);
        for (var attempt = 0; attempt < 5; attempt++)
        {
            policy.NextDelay();
        }

        policy.RetryAfter(TimeSpan.FromSeconds(3));

        Assert.Equal(30, policy.NextDelay().TotalSeconds);
    }

    [Theory]
    [InlineData(HttpStatusCode.TooManyRequests)]
    [InlineData(HttpStatusCode.ServiceUnavailable)]
    public async Task ARefusedNegotiatesRetryAfterReachesThePolicyInSecondsOrAsADate(HttpStatusCode status)
    {
        var policy = Policy(() => 0.0);
        var answers = new Queue<HttpResponseMessage>([Refused(status, seconds: 7), Refused(status, date: _clock.GetUtcNow().AddSeconds(12))]);
        using var client = new HttpClient(policy.HearRetryAfter(new Answering(answers)));

        (await client.PostAsync("http://livefeed.test/hubs/feed/negotiate", null)).Dispose();
        var afterSeconds = policy.NextDelay();
        (await client.PostAsync("http://livefeed.test/hubs/feed/negotiate", null)).Dispose();
        var afterDate = policy.NextDelay();

        Assert.Equal((7.0, 12.0), (afterSeconds.TotalSeconds, afterDate.TotalSeconds));
    }

    private ReconnectPolicy Policy(Func<double> random) => new(ReconnectPolicy.DefaultMaxDelay, _clock, random);

    private static HttpResponseMessage Refused(HttpStatusCode status, int? seconds = null, DateTimeOffset? date = null)
    {
        var response = new HttpResponseMessage(status);
        response.Headers.RetryAfter = seconds is { } s ? new(TimeSpan.FromSeconds(s)) : new(date!.Value);
        return response;
    }

    private sealed class Answering(Queue<HttpResponseMessage> answers) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(answers.Dequeue());
    }
}
