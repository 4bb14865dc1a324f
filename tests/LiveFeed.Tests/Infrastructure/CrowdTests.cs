namespace LiveFeed.Tests.Infrastructure;

/// <summary>
/// Tests that run a crowd of thousands of readers and assert on how it is spread over time (a drain, a resume storm).
/// They run alone, after the others: on a 2-core machine, tests running beside them would shift their timing.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class CrowdTests
{
    public const string Name = "Crowds of readers";
}
