using Microsoft.Extensions.Options;

namespace LiveFeed.Server.Schedule;

/// <summary>The <c>Schedule</c> configuration section: how each instance publishes scheduled items.</summary>
internal sealed class ScheduleOptions
{
    public const string Section = "Schedule";

    /// <summary>
    /// <c>Schedule:ClaimLease</c>: how long a claimed item is this instance's to publish. An instance that dies holding one
    /// leaves it to another once the lease has run out, so this bounds how late a claimed item goes out after a crash.
    /// Publishing takes milliseconds; a lease that runs out before the publish is done only makes another instance try
    /// too, which the idempotent publish turns into no second event.
    /// </summary>
    public TimeSpan ClaimLease { get; set; } = TimeSpan.FromSeconds(1.5);

    /// <summary>
    /// <c>Schedule:PollInterval</c>: the longest an instance waits before asking the schedule again. Items scheduled on
    /// another instance are at least 5 s ahead, so they are seen in time.
    /// </summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// <c>Schedule:StallForTests</c>: TESTS ONLY. <see cref="ScheduleStall.AfterClaim"/>: the instance claims due items and
    /// never publishes them; <see cref="ScheduleStall.AfterPublish"/>: it publishes them and never completes them. Either
    /// is an instance dying at that point, where the end-to-end tests kill it. Never set it in a deployment.
    /// </summary>
    public ScheduleStall StallForTests { get; set; }
}

/// <summary>Where an instance stops for good while publishing scheduled items: TESTS ONLY (<see cref="ScheduleOptions.StallForTests"/>).</summary>
internal enum ScheduleStall
{
    /// <summary>Never: a deployment.</summary>
    None,

    /// <summary>After claiming due items, before publishing them.</summary>
    AfterClaim,

    /// <summary>After publishing claimed items, before completing them.</summary>
    AfterPublish,
}

/// <summary>Stops the server at start on a schedule setting that cannot work, naming its key.</summary>
internal sealed class ScheduleOptionsValidator : IValidateOptions<ScheduleOptions>
{
    private static readonly TimeSpan Shortest = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Longest = TimeSpan.FromMinutes(5);

    public ValidateOptionsResult Validate(string? name, ScheduleOptions options)
    {
        var failures = new List<string>();
        if (options.ClaimLease < Shortest || options.ClaimLease > Longest)
        {
            failures.Add($"Schedule:ClaimLease must be a time span from {Shortest:c} to {Longest:c}, e.g. 00:00:01.5.");
        }

        if (options.PollInterval < Shortest || options.PollInterval > ItemLimitsLead)
        {
            failures.Add($"Schedule:PollInterval must be a time span from {Shortest:c} to {ItemLimitsLead:c}, e.g. 00:00:01.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    // Polling at least as often as the shortest lead keeps items scheduled on another instance on time.
    private static TimeSpan ItemLimitsLead => Contracts.ItemLimits.PublishAtMinLead;
}
