using LiveFeed.Server.Hosting;
using Microsoft.Extensions.Options;

namespace LiveFeed.Server.Schedule;

internal static class ScheduleHosting
{
    /// <summary>
    /// The schedule's API service and the publisher every instance runs. The schedule store itself is chosen with the
    /// feed store (<see cref="FeedStoreHosting"/>): in memory, or in the same Redis.
    /// </summary>
    public static IHostApplicationBuilder AddSchedule(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ScheduleOptions>()
            .BindSettings(ScheduleOptions.Section)
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ScheduleOptions>, ScheduleOptionsValidator>();
        builder.Services.AddSingleton<SchedulePublisher>();
        builder.Services.AddHostedService(provider => provider.GetRequiredService<SchedulePublisher>());
        builder.Services.AddSingleton<ScheduleService>();
        return builder;
    }
}
