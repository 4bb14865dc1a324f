using System.Text;
using LiveFeed.Cli;

namespace LiveFeed.Tests.Cli;

/// <summary>A console a test can read while the tool writes to it.</summary>
public sealed class CapturedWriter : TextWriter
{
    private readonly StringBuilder _text = new();

    public override Encoding Encoding => Encoding.UTF8;

    public string Text
    {
        get
        {
            lock (_text)
            {
                return _text.ToString();
            }
        }
    }

    public string[] Lines => Text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    public override void Write(char value)
    {
        lock (_text)
        {
            _text.Append(value);
        }
    }

    public override void Write(string? value)
    {
        lock (_text)
        {
            _text.Append(value);
        }
    }

    public override void WriteLine(string? value)
    {
        lock (_text)
        {
            _text.Append(value).Append('\n');
        }
    }

    public override Task WriteLineAsync(string? value)
    {
        WriteLine(value);
        return Task.CompletedTask;
    }

    public override Task WriteAsync(string? value)
    {
        Write(value);
        return Task.CompletedTask;
    }

    /// <summary>Waits (polling, with a timeout) until the text satisfies <paramref name="condition"/>.</summary>
    public async Task WaitForAsync(Func<string, bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (!condition(Text))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Waited in vain for {what}. Output so far:\n{Text}");
            }

            await Task.Delay(50);
        }
    }
}

/// <summary>Runs the tool in process as a person would from a shell, with its own environment variables and time zone.</summary>
public sealed class CliRun
{
    /// <summary>UTC+5:30, no daylight saving: 09:19 UTC shows as "2:49 PM".</summary>
    public static readonly TimeZoneInfo TestZone = TimeZoneInfo.CreateCustomTimeZone("Test+05:30", TimeSpan.FromHours(5.5), "Test+05:30", "Test+05:30");

    private CliRun(int exitCode, CapturedWriter output, CapturedWriter error)
    {
        ExitCode = exitCode;
        Output = output;
        Error = error;
    }

    public int ExitCode { get; }

    public CapturedWriter Output { get; }

    public CapturedWriter Error { get; }

    public static async Task<CliRun> RunAsync(IDictionary<string, string>? variables, params string[] args)
    {
        var output = new CapturedWriter();
        var error = new CapturedWriter();
        var exitCode = await LiveFeedCli.RunAsync(args, Environment(output, error, variables));
        return new CliRun(exitCode, output, error);
    }

    /// <summary>Starts a long-running command (tail); the caller stops it by cancelling <paramref name="stop"/>.</summary>
    public static (Task<int> ExitCode, CapturedWriter Output, CapturedWriter Error) Start(CancellationToken stop, params string[] args)
    {
        var output = new CapturedWriter();
        var error = new CapturedWriter();
        return (Task.Run(() => LiveFeedCli.RunAsync(args, Environment(output, error, null), stop)), output, error);
    }

    private static CliEnvironment Environment(CapturedWriter output, CapturedWriter error, IDictionary<string, string>? variables) =>
        new(output, error, name => variables is not null && variables.TryGetValue(name, out var value) ? value : null, TestZone);
}
