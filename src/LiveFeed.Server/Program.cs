using LiveFeed.Server.Hosting;

// A bad setting ends the start with exit code 1 and one line naming its key, not a stack trace.
return BadSettings.RunOrExplain(() =>
{
    var builder = WebApplication.CreateBuilder(args);

    builder.AddLiveFeed();

    var app = builder.Build();

    app.MapLiveFeed();

    app.Run();
});

/// <summary>The entry point, visible to the tests' <c>WebApplicationFactory</c>.</summary>
public partial class Program;
