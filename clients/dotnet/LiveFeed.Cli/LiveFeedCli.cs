using System.CommandLine;
using System.CommandLine.Invocation;
using System.Net;
using System.Net.Http.Headers;
using LiveFeed.Client;
using LiveFeed.Contracts;

namespace LiveFeed.Cli;

/// <summary>
/// The <c>livefeed</c> command line. Every failure a person can act on (a bad field, a wrong key, an
/// unreachable server) is one line on stderr and a non-zero exit code (see <see cref="ExitCodes"/>).
/// </summary>
internal static class LiveFeedCli
{
    public const string DefaultServer = "http://localhost:5180";

    /// <summary>Runs the tool; answers its exit code.</summary>
    public static async Task<int> RunAsync(string[] args, CliEnvironment environment, CancellationToken cancellationToken = default)
    {
        var root = BuildCommand(environment);
        var parse = root.Parse(args);
        if (parse.Action is ParseErrorAction)
        {
            // One line: System.CommandLine lists choices on lines of their own.
            var error = string.Join(' ', parse.Errors[0].Message.Split((char[])['\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            await environment.Error.WriteLineAsync($"livefeed: {error} (see '{string.Join(' ', CommandPath(parse))} --help')");
            return ExitCodes.Usage;
        }

        // Ctrl+C and SIGTERM cancel the command's token (tail then closes its connection and exits 0) only with a
        // ProcessTerminationTimeout, which System.CommandLine 2.0.0 leaves null (dotnet/command-line-api#2739).
        var invocation = new InvocationConfiguration
        {
            Output = environment.Out,
            Error = environment.Error,
            ProcessTerminationTimeout = TimeSpan.FromSeconds(2),
        };
        return await parse.InvokeAsync(invocation, cancellationToken);
    }

    private static List<string> CommandPath(ParseResult parse)
    {
        var names = new List<string>();
        for (var result = parse.CommandResult; result is not null; result = result.Parent as System.CommandLine.Parsing.CommandResult)
        {
            names.Insert(0, result.Command is RootCommand ? "livefeed" : result.Command.Name);
        }

        return names;
    }

    private static RootCommand BuildCommand(CliEnvironment environment)
    {
        var common = new CommonOptions();
        var root = new RootCommand(
            "Post to and follow the feeds of a LiveFeed server.\n" +
            "Exit codes: 0 done, 1 refused by the server, 2 bad command line, 3 server unreachable, 4 newsroom key missing or refused, " +
            "5 past a rate limit (429).");
        root.Options.Add(common.Server);
        root.Options.Add(common.Key);
        root.Options.Add(common.Json);
        root.Subcommands.Add(Commands.Post(common, environment));
        root.Subcommands.Add(Commands.Scheduled(common, environment));
        root.Subcommands.Add(Commands.Cancel(common, environment));
        root.Subcommands.Add(Commands.Correct(common, environment));
        root.Subcommands.Add(Commands.Retract(common, environment));
        root.Subcommands.Add(Commands.History(common, environment));
        root.Subcommands.Add(Commands.List(common, environment));
        root.Subcommands.Add(Commands.Tail(common, environment));
        return root;
    }
}

/// <summary>The options every command takes.</summary>
internal sealed class CommonOptions
{
    public Option<string> Server { get; } = new("--server")
    {
        Description = $"The LiveFeed server's URL. Default: $LIVEFEED_URL, else {LiveFeedCli.DefaultServer}.",
        Recursive = true,
    };

    public Option<string> Key { get; } = new("--key")
    {
        Description = "The newsroom key, for post, correct, retract and history. Default: $LIVEFEED_KEY.",
        Recursive = true,
    };

    public Option<bool> Json { get; } = new("--json")
    {
        Description = "Write JSON (one object per line for tail) instead of text, for scripts.",
        Recursive = true,
    };
}

/// <summary>What one invocation works with: the server, the key, the output.</summary>
internal sealed class CliContext(ParseResult parse, CommonOptions options, CliEnvironment environment) : IDisposable
{
    private HttpClient? _http;

    public CliEnvironment Environment { get; } = environment;

    public bool Json { get; } = parse.GetValue(options.Json);

    public ItemFormat Format { get; } = new(environment.TimeZone);

    public string? Key { get; } = NullIfBlank(parse.GetValue(options.Key)) ?? NullIfBlank(environment.GetVariable("LIVEFEED_KEY"));

    public string ServerText { get; } = NullIfBlank(parse.GetValue(options.Server)) ?? NullIfBlank(environment.GetVariable("LIVEFEED_URL")) ?? LiveFeedCli.DefaultServer;

    /// <summary>The server's URL, or null (after saying why) when it is not an http(s) URL.</summary>
    public Uri? Server =>
        Uri.TryCreate(ServerText, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? (uri.AbsoluteUri.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/"))
            : null;

    public NewsroomClient Newsroom(Uri server)
    {
        _http ??= new HttpClient { BaseAddress = server, Timeout = TimeSpan.FromSeconds(30) };
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("livefeed-cli", "1.0"));
        // A person waits: retry a busy or unreachable server briefly, then say so.
        return new NewsroomClient(_http, new NewsroomClientOptions { ApiKey = Key, MaxRetries = 2, MaxRetryDelay = TimeSpan.FromSeconds(10) });
    }

    public void Dispose() => _http?.Dispose();

    private static string? NullIfBlank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
