using Serilog;
using Serilog.Formatting.Compact;

namespace LiveFeed.Server.Logging;

internal static class LoggingHosting
{
    /// <summary>
    /// Serilog as the only logging provider. Levels come from the <c>Serilog</c> section of the
    /// configuration; the output shape from the environment (plain text in Development, compact JSON elsewhere).
    /// </summary>
    public static IHostApplicationBuilder AddLiveFeedLogging(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSerilog(
            (services, logger) =>
            {
                var environment = services.GetRequiredService<IHostEnvironment>();
                logger.ReadFrom.Configuration(services.GetRequiredService<IConfiguration>())
                    .Enrich.FromLogContext();
                if (environment.IsDevelopment())
                {
                    logger.WriteTo.Console(
                        outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}");
                }
                else
                {
                    logger.WriteTo.Console(new CompactJsonFormatter());
                }
            },
            // Several hosts may run in one process (the tests): each keeps its own logger.
            preserveStaticLogger: true);
        CachingLoggerFactory.Wrap(builder.Services);
        return builder;
    }
}
