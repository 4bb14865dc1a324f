using LiveFeed.Server.Hosting;
using LiveFeed.Server.Logging;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace LiveFeed.Server.Newsroom;

internal static class NewsroomHosting
{
    public static IHostApplicationBuilder AddNewsroom(this IHostApplicationBuilder builder)
    {
        // Bound again at every configuration change; checked by NewsroomKeys, which keeps the last good keys.
        builder.Services.AddOptions<NewsroomOptions>()
            .BindSettings(NewsroomOptions.Section)
            .Configure<IConfiguration>((options, configuration) =>
            {
                foreach (var scope in configuration.GetSection(NewsroomOptions.Section).GetSection(nameof(NewsroomOptions.Scopes)).GetChildren())
                {
                    options.Scopes[scope.Key] = scope.Value;
                }
            });

        // The keys as configured at start are checked with every other setting: a bad one stops the start.
        builder.Services.AddOptions<NewsroomKeysAtStart>().ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<NewsroomKeysAtStart>, NewsroomKeysAtStart.Validator>();

        // In Development with no key configured, make one for this run so that `dotnet run` can post.
        if (builder.Environment.IsDevelopment())
        {
            builder.Services.AddSingleton<DevelopmentNewsroomKey>();
            builder.Services.AddOptions<NewsroomOptions>().PostConfigure<DevelopmentNewsroomKey>((options, developmentKey) =>
            {
                if (options.ApiKeys.Count == 0)
                {
                    options.ApiKeys[DevelopmentNewsroomKey.Name] = NewsroomKeys.Hash(developmentKey.Key);
                }
            });
        }

        builder.Services.AddSingleton<NewsroomKeys>();
        builder.Services.AddAuthentication(NewsroomKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, NewsroomKeyAuthenticationHandler>(NewsroomKeyAuthenticationHandler.SchemeName, null);
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(NewsroomKeyAuthenticationHandler.Policy, policy => policy
                .AddAuthenticationSchemes(NewsroomKeyAuthenticationHandler.SchemeName)
                .RequireAuthenticatedUser());

        builder.Services.AddSingleton<NewsroomService>();
        return builder;
    }

    /// <summary>Writes the development key (when one was made) or a warning that no key is configured.</summary>
    public static WebApplication LogDevelopmentNewsroomKey(this WebApplication app)
    {
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("LiveFeed.Newsroom");
            var keys = app.Services.GetRequiredService<IOptions<NewsroomOptions>>().Value.ApiKeys;
            var developmentKey = app.Services.GetService<DevelopmentNewsroomKey>();
            if (developmentKey is not null && keys.Count == 1
                && keys.TryGetValue(DevelopmentNewsroomKey.Name, out var hash) && hash == NewsroomKeys.Hash(developmentKey.Key))
            {
                LiveFeedLog.DevelopmentKey(logger, DevelopmentNewsroomKey.Name, developmentKey.Key);
            }
            else if (keys.Count == 0)
            {
                LiveFeedLog.NoNewsroomKeys(logger);
            }
        });
        return app;
    }
}
