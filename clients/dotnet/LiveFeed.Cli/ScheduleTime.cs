using System.Globalization;
using System.Text.RegularExpressions;

namespace LiveFeed.Cli;

/// <summary>
/// The time of <c>post --at</c>: an ISO-8601 timestamp with its offset (<c>2026-12-04T18:00:00Z</c>,
/// <c>2026-12-04T19:00+01:00</c>), or a time from now: <c>+</c>, a whole number and <c>s</c>, <c>m</c>, <c>h</c> or
/// <c>d</c> (<c>+90s</c>, <c>+10m</c>, <c>+2h</c>, <c>+1d</c>). A time without an offset names no instant and is refused
/// rather than guessed. Whether it is far enough ahead (5 s to 30 days) is the server's to say.
/// </summary>
internal static partial class ScheduleTime
{
    public const string Help =
        "Schedule it instead of publishing now: an ISO-8601 time with its offset (2026-12-04T18:00:00Z, 2026-12-04T19:00+01:00) " +
        "or a time from now: +90s, +10m, +2h, +1d. 5 s to 30 days ahead.";

    /// <summary>The instant <paramref name="text"/> names (UTC), or null with the reason in <paramref name="error"/>.</summary>
    public static DateTime? Parse(string text, DateTime utcNow, out string? error)
    {
        error = null;
        var relative = Relative().Match(text.Trim());
        if (relative.Success)
        {
            var amount = long.Parse(relative.Groups["amount"].Value, CultureInfo.InvariantCulture);
            var unit = relative.Groups["unit"].Value switch
            {
                "s" => TimeSpan.FromSeconds(1),
                "m" => TimeSpan.FromMinutes(1),
                "h" => TimeSpan.FromHours(1),
                _ => TimeSpan.FromDays(1),
            };
            if (amount > 366 * TimeSpan.TicksPerDay / unit.Ticks)
            {
                error = $"'{text}' is too far ahead: the server schedules at most 30 days ahead.";
                return null;
            }

            return utcNow + (unit * amount);
        }

        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var instant) || !text.Contains('T', StringComparison.Ordinal))
        {
            error = $"'{text}' is not a time: give an ISO-8601 time with its offset (2026-12-04T18:00:00Z) or a time from now (+10m, +2h).";
            return null;
        }

        if (!HasOffset().IsMatch(text.Trim()))
        {
            error = $"'{text}' has no offset: add 'Z' for UTC or the offset (e.g. +01:00), or give a time from now (+10m).";
            return null;
        }

        return instant.UtcDateTime;
    }

    [GeneratedRegex(@"^\+(?<amount>[0-9]{1,9})(?<unit>[smhd])$")]
    private static partial Regex Relative();

    [GeneratedRegex(@"(Z|[+-][0-9]{2}:?[0-9]{2})$", RegexOptions.IgnoreCase)]
    private static partial Regex HasOffset();
}
