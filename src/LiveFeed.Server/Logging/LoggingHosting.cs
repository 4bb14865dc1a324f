using LiveFeed.Server.Hosting;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using Serilog;
using Serilog.Events;
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
                var configuration = services.GetRequiredService<IConfiguration>();
                CheckLevels(configuration);
                logger.ReadFrom.Configuration(configuration)
                    .Enrich.FromLogContext()
                    .Filter.ByExcluding(RefusedHubCalls.IsSignalRsLineForARefusal);
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

        // A reader's refused hub call is logged at Debug, not SignalR's Error. Added first, so the outermost filter.
        builder.Services.AddSingleton<RefusedHubCalls>();
        builder.Services.AddSignalR(options => options.AddFilter<RefusedHubCalls>());
        return builder;
    }

    /// <summary>
    /// An unknown level name stops the start naming its key; Serilog's own message ("The value Loud is not a valid
    /// Serilog level") names neither the key nor the levels. Serilog reads a level as an enum name, any case.
    /// </summary>
    private static void CheckLevels(IConfiguration configuration)
    {
        var minimumLevel = configuration.GetSection("Serilog:MinimumLevel");
        var failures = new[] { minimumLevel, minimumLevel.GetSection("Default") }
            .Concat(minimumLevel.GetSection("Override").GetChildren())
            .Where(setting => setting.Value is { Length: > 0 } value && !value.StartsWith('$') && !Enum.TryParse<LogEventLevel>(value, ignoreCase: true, out _))
            .Select(setting => $"{setting.Path} must be one of {string.Join(", ", Enum.GetNames<LogEventLevel>())}, not {BadSettings.Quote(setting.Value!)}.")
            .ToList();
        if (failures.Count > 0)
        {
            throw new OptionsValidationException("Serilog", typeof(LoggerConfiguration), failures);
        }
    }
}
