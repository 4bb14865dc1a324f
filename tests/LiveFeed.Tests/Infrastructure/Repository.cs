using System.Diagnostics;

namespace LiveFeed.Tests.Infrastructure;

/// <summary>Files of the repository the tests run from, and the tools that check them.</summary>
public static class Repository
{
    /// <summary>The folder holding LiveFeed.sln.</summary>
    public static string Root { get; } = FindRoot();

    public static string PathOf(string relative) => Path.Combine(Root, relative);

    /// <summary>Runs <paramref name="program"/> to its end (at most <paramref name="timeout"/>); the exit code and all it wrote.</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(
        string program, IEnumerable<string> arguments, string workingDirectory, IDictionary<string, string?>? environment = null, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            start.Environment[key] = value;
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start.");
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            throw new InvalidOperationException($"{program} is not installed. Run ./test.sh (it installs what the tests need).", exception);
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync(deadline.Token);
            return (process.ExitCode, await output, await error);
        }
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "LiveFeed.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No LiveFeed.sln above {AppContext.BaseDirectory}.");
    }
}
