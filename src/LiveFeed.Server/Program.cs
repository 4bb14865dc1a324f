using LiveFeed.Server.Hosting;

var builder = WebApplication.CreateBuilder(args);

builder.AddLiveFeed();

var app = builder.Build();

app.MapLiveFeed();

app.Run();

/// <summary>The entry point, visible to the tests' <c>WebApplicationFactory</c>.</summary>
public partial class Program;
