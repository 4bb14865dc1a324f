namespace LiveFeed.Cli;

/// <summary>The entry point of <c>livefeed</c>.</summary>
internal static class Program
{
    public static Task<int> Main(string[] args) => LiveFeedCli.RunAsync(args, CliEnvironment.System);
}
