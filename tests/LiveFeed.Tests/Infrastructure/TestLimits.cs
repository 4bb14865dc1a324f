namespace LiveFeed.Tests.Infrastructure;

/// <summary>
/// Rate limits far above what any test does, for the servers of tests that are not about limits: they post
/// and connect from one address much faster than a newsroom or a reader would, many readers at once. The limit tests set their own.
/// </summary>
public static class TestLimits
{
    public static readonly IReadOnlyDictionary<string, string?> Generous = new Dictionary<string, string?>
    {
        ["Limits:Writes:TokenLimit"] = "1000000",
        ["Limits:Writes:TokensPerPeriod"] = "1000000",
        ["Limits:NewConnections:TokenLimit"] = "1000000",
        ["Limits:NewConnections:TokensPerPeriod"] = "1000000",
        ["Limits:HubInvocations:TokenLimit"] = "1000000",
        ["Limits:HubInvocations:TokensPerPeriod"] = "1000000",
        ["Limits:ConnectionSetups:MaxInProgress"] = "1000000",
    };
}
