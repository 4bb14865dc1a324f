using System.Globalization;
using System.Text;
using LiveFeed.Benchmarks.Generator;

namespace LiveFeed.Benchmarks.Reporting;

/// <summary>The text a surge prints: a line per surge, then the medians over the rounds.</summary>
internal static class SurgeTable
{
    public static string Line(SurgeResult s)
    {
        var arrival = s.Surge == SurgeKinds.Arrival;
        var head = arrival
            ? Text($"[arrival {s.Setting} {s.Server} {s.Readers} readers from {s.Sources} addresses, round {s.Round}] ")
            : Text($"[storm back to {s.Setting} {s.Readers} readers from {s.Sources} addresses, round {s.Round}] ");
        if (s.Error is not null && s.Attempts == 0)
        {
            return head + "ERROR " + s.Error;
        }

        var text = new StringBuilder(head);
        text.Append(s.LeftOut == 0
            ? Text($"all {s.Done} {(arrival ? "subscribed" : "resumed")} in {s.Seconds:F2} s{(arrival ? "" : " after the kill")}, left out 0; ")
            : Text($"{s.Done} {(arrival ? "subscribed" : "resumed")}, {s.LeftOut} LEFT OUT; "));
        text.Append(Text($"{(arrival ? "server" : s.Setting == StormTarget.B ? "instance B" : "A restarted")} {s.ServerCpuSeconds:F2} CPU s ({s.ServerCores:F2} cores)"));
        if (s.OtherInstanceCpuSeconds is { } other)
        {
            text.Append(Text($", instance B {other:F2} CPU s"));
        }

        if (s.RedisCpuSeconds is { } redis)
        {
            text.Append(Text($", redis {redis:F2} CPU s"));
        }

        text.Append(Text($", generator {s.GeneratorCores:F2} cores; "));
        if (s.RestartReadySeconds is { } ready)
        {
            text.Append(Text($"A ready again {ready:F2} s after the kill; "));
        }

        text.Append(Text($"{s.Attempts} attempts, {s.Retries} retries, failed: {Failures(s.Failures)}; listen queue overflows {s.ListenOverflows}; "));
        if (s.Redis is { } r)
        {
            text.Append(Text($"Redis calls {(arrival ? "during the arrival" : "from the kill to the last resume")}: data {r.Data:F0}, pub/sub {r.PubSub:F0}, other {r.Other:F0}"));
            if (!arrival)
            {
                text.Append(Text($" ({r.Posts} posts meanwhile, each {Commands(r.PerPost, 1)})"));
            }

            text.Append(Text($"; per {(arrival ? "subscribed" : "resumed")} reader: data {r.DataPerReader:F3}, pub/sub {r.PubSubPerReader:F3} ({Commands(r.Readers, s.Done)}); "));
        }

        if (arrival)
        {
            text.Append(Text($"next event reached {s.ReceivedNext}/{s.Done}; "));
        }
        else
        {
            text.Append(Text($"posts {s.PostsStored} stored, {s.PostFailures} failed; resets {s.Resets}; "));
        }

        text.Append(Text($"lost {s.Lost} dup {s.Duplicates} ooo {s.OutOfOrder} (overlaps {s.Overlaps}), head {s.Head}"));
        foreach (var (outcome, example) in s.FailureExamples.Where(pair => pair.Key is AttemptOutcomes.HubError or AttemptOutcomes.Closed))
        {
            text.Append(Text($"; first {outcome}: {example}"));
        }

        if (s.Error is not null)
        {
            text.Append(" ERROR " + s.Error);
        }

        return text.ToString();
    }

    public static string Render(RunReport report)
    {
        var text = new StringBuilder();
        var arrivals = report.Surges.Where(s => s.Surge == SurgeKinds.Arrival).GroupBy(s => (s.Setting, s.Readers, s.Sources, s.Server)).ToList();
        if (arrivals.Count > 0)
        {
            text.AppendLine("== arrival (medians of rounds; failed attempts: the median count of each status) ==");
            text.AppendLine("| readers | from addresses | mode | server | all subscribed, s (rounds) | server CPU s | server cores | failed attempts by status | retries | left out | next event reached | generator cores | lost/dup/ooo |");
            text.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
            foreach (var group in arrivals)
            {
                var (setting, readers, sources, server) = group.Key;
                var rounds = group.ToList();
                text.AppendLine(Text($"| {readers:N0} | {sources} | {setting} | {server} | {Median(rounds, s => s.Seconds):F2} ({Each(rounds, s => s.Seconds)}) | {Median(rounds, s => s.ServerCpuSeconds):F2} | ") + Text($"{Median(rounds, s => s.ServerCores):F2} | {Failures(MedianFailures(rounds))} | {Median(rounds, s => s.Retries):F0} | {rounds.Sum(s => s.LeftOut)} | ") + Text($"{rounds.Sum(s => s.ReceivedNext)}/{rounds.Sum(s => s.Done)} | {Median(rounds, s => s.GeneratorCores):F2} | {LostDupOoo(rounds)} |"));
            }

            text.AppendLine();
            foreach (var pair in arrivals.GroupBy(g => (g.Key.Setting, g.Key.Readers, g.Key.Sources)))
            {
                var liveFeed = pair.FirstOrDefault(g => g.Key.Server == ServerKinds.LiveFeed)?.ToList();
                var signalR = pair.FirstOrDefault(g => g.Key.Server == ServerKinds.SignalR)?.ToList();
                if (liveFeed is not null && signalR is not null)
                {
                    text.AppendLine(Text($"{pair.Key.Readers:N0} readers from {pair.Key.Sources} addresses ({pair.Key.Setting}): LiveFeed took {Ratio(Median(liveFeed, s => s.Seconds), Median(signalR, s => s.Seconds))} ") + Text($"bare SignalR's time to all subscribed, {Ratio(Median(liveFeed, s => s.ServerCpuSeconds), Median(signalR, s => s.ServerCpuSeconds))} its CPU seconds."));
                }
            }

            text.AppendLine();
        }

        var storms = report.Surges.Where(s => s.Surge == SurgeKinds.Storm).GroupBy(s => (s.Readers, s.Setting, s.Sources)).ToList();
        if (storms.Count > 0)
        {
            text.AppendLine("== storm (medians of rounds; CPU of the instance the readers came back to, from the kill to the last resume) ==");
            text.AppendLine("| readers | from addresses | back to | all resumed after the kill, s (rounds) | its CPU s | its cores | A ready again, s | failed attempts by status | retries | left out | Redis data calls per resumed reader | pub/sub per reader | lost/dup/ooo | resets |");
            text.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
            foreach (var group in storms)
            {
                var (readers, setting, sources) = group.Key;
                var rounds = group.ToList();
                var ready = setting == StormTarget.Restart ? Median(rounds, s => s.RestartReadySeconds ?? double.NaN).ToString("F2", CultureInfo.InvariantCulture) : "-";
                text.AppendLine(Text($"| {readers:N0} | {sources} | {setting} | {Median(rounds, s => s.Seconds):F2} ({Each(rounds, s => s.Seconds)}) | {Median(rounds, s => s.ServerCpuSeconds):F2} | ") + Text($"{Median(rounds, s => s.ServerCores):F2} | {ready} | {Failures(MedianFailures(rounds))} | {Median(rounds, s => s.Retries):F0} | {rounds.Sum(s => s.LeftOut)} | ") + Text($"{Median(rounds, s => s.Redis?.DataPerReader ?? double.NaN):F3} | {Median(rounds, s => s.Redis?.PubSubPerReader ?? double.NaN):F3} | {LostDupOoo(rounds)} | {rounds.Sum(s => s.Resets)} |"));
            }

            text.AppendLine();
        }

        return text.ToString();
    }

    private static string Failures(IReadOnlyDictionary<string, int> failures) =>
        failures.Count == 0 ? "none" : string.Join(", ", failures.Select(pair => Text($"{pair.Key} x{pair.Value}")));

    /// <summary>The median count of each outcome over the rounds (0 in a round without it).</summary>
    private static SortedDictionary<string, int> MedianFailures(List<SurgeResult> rounds) => new(
        rounds.SelectMany(s => s.Failures.Keys).Distinct()
            .Select(outcome => (Outcome: outcome, Median: (int)Math.Round(Median(rounds, s => s.Failures.GetValueOrDefault(outcome)))))
            .Where(failure => failure.Median > 0)
            .ToDictionary(failure => failure.Outcome, failure => failure.Median),
        StringComparer.Ordinal);

    /// <summary>The heaviest commands, per <paramref name="divisor"/>.</summary>
    private static string Commands(IReadOnlyDictionary<string, double> calls, int divisor) =>
        calls.Count == 0 || divisor == 0
            ? "none"
            : string.Join(", ", calls.OrderByDescending(pair => pair.Value).Take(6).Select(pair => Text($"{pair.Key} {pair.Value / divisor:0.###}")));

    private static string LostDupOoo(List<SurgeResult> rounds) =>
        Text($"{rounds.Sum(s => s.Lost)}/{rounds.Sum(s => s.Duplicates)}/{rounds.Sum(s => s.OutOfOrder)}{(rounds.All(s => s.Clean) ? "" : " NOT CLEAN")}");

    private static string Each(List<SurgeResult> rounds, Func<SurgeResult, double> value) =>
        string.Join(", ", rounds.Select(s => value(s).ToString("F2", CultureInfo.InvariantCulture)));

    private static double Median(List<SurgeResult> rounds, Func<SurgeResult, double> value)
    {
        var values = rounds.Select(value).Where(v => !double.IsNaN(v)).Order().ToList();
        return values.Count == 0 ? double.NaN
            : values.Count % 2 == 1 ? values[values.Count / 2]
            : (values[(values.Count / 2) - 1] + values[values.Count / 2]) / 2;
    }

    private static string Ratio(double value, double baseline) =>
        double.IsNaN(value) || double.IsNaN(baseline) || baseline <= 0 ? "n/a" : (value / baseline).ToString("F2", CultureInfo.InvariantCulture) + "x";

    private static string Text(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
