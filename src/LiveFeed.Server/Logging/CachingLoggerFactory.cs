using System.Collections.Concurrent;

namespace LiveFeed.Server.Logging;

/// <summary>
/// Hands out one logger per category. Serilog's logger factory makes a new logger (with its own caches, about
/// 2 KB) on every <see cref="ILoggerFactory.CreateLogger"/> call, and ASP.NET Core asks for several of them for
/// every connection it accepts: with 10,000 readers that was 20 MB of loggers. The framework's own factory
/// caches by category the same way.
/// </summary>
internal sealed class CachingLoggerFactory(ILoggerFactory inner) : ILoggerFactory
{
    private readonly ConcurrentDictionary<string, ILogger> _loggers = new(StringComparer.Ordinal);
    private readonly Func<string, ILogger> _create = inner.CreateLogger;

    public ILogger CreateLogger(string categoryName) => _loggers.GetOrAdd(categoryName, _create);

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    public void Dispose() => inner.Dispose();

    /// <summary>Puts the cache in front of the logger factory registered so far.</summary>
    public static void Wrap(IServiceCollection services)
    {
        var registered = services.Last(descriptor => descriptor.ServiceType == typeof(ILoggerFactory));
        services.Remove(registered);
        services.AddSingleton<ILoggerFactory>(provider => new CachingLoggerFactory(registered switch
        {
            { ImplementationInstance: ILoggerFactory instance } => instance,
            { ImplementationFactory: { } factory } => (ILoggerFactory)factory(provider),
            _ => (ILoggerFactory)ActivatorUtilities.CreateInstance(provider, registered.ImplementationType!),
        }));
    }
}
