namespace LiveFeed.Cli;

/// <summary>What the tool reads from and writes to: the real console, or a test's.</summary>
internal sealed record CliEnvironment(TextWriter Out, TextWriter Error, Func<string, string?> GetVariable, TimeZoneInfo TimeZone)
{
    public static CliEnvironment System { get; } =
        new(Console.Out, Console.Error, Environment.GetEnvironmentVariable, TimeZoneInfo.Local);
}
