using LiveFeed.Benchmarks;
using LiveFeed.Benchmarks.Baselines;

// One binary: the load generator, and the two baseline servers it starts as their own processes.
try
{
    return args.FirstOrDefault() switch
    {
        "serve-signalr" => await BareSignalRServer.RunAsync(args[1..]),
        "serve-websocket" => await BareWebSocketServer.RunAsync(args[1..]),
        "--help" or "-h" => Help(),
        _ => await BenchmarkRunner.RunAsync(BenchmarkOptions.Parse(args), "LiveFeed.Benchmarks " + string.Join(' ', args)),
    };
}
catch (ArgumentException exception)
{
    Console.Error.WriteLine(exception.Message);
    return 2;
}

static int Help()
{
    Console.WriteLine(BenchmarkOptions.Usage);
    return 0;
}
