namespace LiveFeed.Cli;

/// <summary>The tool's exit codes, for scripts.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>The server refused the request: a bad field, no such item, a retracted item.</summary>
    public const int Refused = 1;

    /// <summary>The command line is wrong: an unknown option, a missing argument, a bad URL.</summary>
    public const int Usage = 2;

    /// <summary>The server cannot be reached, or is unavailable.</summary>
    public const int Unreachable = 3;

    /// <summary>No newsroom key, or the server refused it.</summary>
    public const int Unauthorized = 4;

    /// <summary>
    /// Past a rate limit (429): this newsroom key's writes, new connections from this address, or connections the
    /// server is setting up at once. Nothing was stored; try again after the wait the message names (a script can
    /// tell this from an outage, code 3).
    /// </summary>
    public const int TooManyRequests = 5;
}
