using Microsoft.Extensions.Options;

namespace LiveFeed.Server.Shutdown;

/// <summary>The <c>Shutdown</c> configuration section: how a stopping instance lets its readers go.</summary>
internal sealed class ShutdownOptions
{
    public const string Section = "Shutdown";

    /// <summary>The longest drain the window may be set to.</summary>
    public static readonly TimeSpan MaxDrainWindow = TimeSpan.FromMinutes(10);

    /// <summary>
    /// <c>Shutdown:DrainWindow</c>: the time over which a stopping instance closes its readers, spread evenly, so
    /// that they resume on the other instances gradually rather than all in one instant. 0 closes them all at once.
    /// </summary>
    public TimeSpan DrainWindow { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>Stops the server at start on a drain window that cannot work, naming its key.</summary>
internal sealed class ShutdownOptionsValidator : IValidateOptions<ShutdownOptions>
{
    public ValidateOptionsResult Validate(string? name, ShutdownOptions options) =>
        options.DrainWindow < TimeSpan.Zero || options.DrainWindow > ShutdownOptions.MaxDrainWindow
            ? ValidateOptionsResult.Fail($"Shutdown:DrainWindow must be a time span from 00:00:00 to {ShutdownOptions.MaxDrainWindow:c}, e.g. 00:00:10.")
            : ValidateOptionsResult.Success;
}
