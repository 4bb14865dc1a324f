using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Reflection;
using Microsoft.Extensions.Options;

namespace LiveFeed.Server.Hosting;

/// <summary>
/// A bad setting stops the server at start with exit code 1 and one line that names the setting's full key
/// (<c>Feed:EventRetention</c>) and what it may be, instead of a stack trace. Every check reports through an
/// <see cref="OptionsValidationException"/> whose failures are such sentences: the options' validators, a value
/// the configuration binder could not convert (<see cref="BindSettings{T}"/>), and the log levels.
/// </summary>
internal static class BadSettings
{
    /// <summary>What the process exits with when a setting is bad.</summary>
    public const int ExitCode = 1;

    /// <summary>
    /// Runs the server (<paramref name="run"/>: build, map, run); answers <see cref="ExitCode"/> with one line on
    /// standard error when a setting is bad, 0 when the server ran and stopped. Anything else is a fault and
    /// is thrown on as it is. Standard error, not the log: the logging settings may be the bad ones.
    /// </summary>
    public static int RunOrExplain(Action run)
    {
        ArgumentNullException.ThrowIfNull(run);
        try
        {
            run();
            return 0;
        }
        catch (Exception exception) when (Failures(exception) is { Count: > 0 } failures)
        {
            Console.Error.WriteLine("LiveFeed did not start: " + string.Join(" ", failures));
            return ExitCode;
        }
    }

    /// <summary>
    /// Binds <paramref name="section"/> as <c>BindConfiguration</c> does, after checking that every value the binder
    /// converts (numbers, time spans, enumerations, ...) converts: one that does not is reported by its full key and
    /// what it may be, rather than the binder's exception.
    /// </summary>
    public static OptionsBuilder<T> BindSettings<T>(this OptionsBuilder<T> builder, string section)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Configure<IConfiguration>((_, configuration) =>
        {
            var failures = new List<string>();
            CheckValues(configuration.GetSection(section), typeof(T), failures);
            if (failures.Count > 0)
            {
                throw new OptionsValidationException(builder.Name, typeof(T), failures);
            }
        });
        return builder.BindConfiguration(section);
    }

    /// <summary>
    /// Validates with the options' data annotations, whose messages name the full key themselves
    /// (<c>ValidateDataAnnotations</c> would wrap each in a sentence naming only the property).
    /// </summary>
    public static OptionsBuilder<T> ValidateAnnotations<T>(this OptionsBuilder<T> builder)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<IValidateOptions<T>>(new AnnotationsValidator<T>(builder.Name));
        return builder;
    }

    /// <summary>A value in plain words for a failure line: short, on one line.</summary>
    public static string Quote(string value)
    {
        var shown = value.Length <= 40 ? value : string.Concat(value.AsSpan(0, 40), "…");
        return "'" + string.Concat(shown.Select(c => char.IsControl(c) ? '?' : c)) + "'";
    }

    private static List<string> Failures(Exception exception) => exception switch
    {
        OptionsValidationException invalid => [.. invalid.Failures],
        AggregateException all when all.InnerExceptions.All(inner => inner is OptionsValidationException) =>
            [.. all.InnerExceptions.SelectMany(inner => ((OptionsValidationException)inner).Failures)],
        _ => [],
    };

    // Mirrors what the binder converts: a property of a simple type from a value, a nested object from a section.
    // Collections are left to the binder (LiveFeed's hold strings, which always bind).
    private static void CheckValues(IConfigurationSection section, Type type, List<string> failures)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var child = section.GetSection(property.Name);
            var propertyType = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if (property.SetMethod is { IsPublic: true } && IsConverted(propertyType))
            {
                if (child.Value is { } value && !Converts(propertyType, value))
                {
                    failures.Add($"{child.Path} must be {Allowed(propertyType)}, not {Quote(value)}.");
                }
            }
            else if (propertyType.IsClass && propertyType != typeof(string) && !typeof(System.Collections.IEnumerable).IsAssignableFrom(propertyType))
            {
                CheckValues(child, propertyType, failures);
            }
        }
    }

    private static bool IsConverted(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(decimal) || type == typeof(TimeSpan) || type == typeof(DateTimeOffset)
        || type == typeof(DateTime) || type == typeof(Guid) || type == typeof(Uri);

    private static bool Converts(Type type, string value)
    {
        try
        {
            TypeDescriptor.GetConverter(type).ConvertFromInvariantString(value);
            return true;
        }
        catch (Exception exception) when (exception is FormatException or ArgumentException or OverflowException or NotSupportedException)
        {
            return false;
        }
    }

    private static string Allowed(Type type) => type switch
    {
        _ when type == typeof(int) || type == typeof(long) || type == typeof(short) || type == typeof(byte)
            || type == typeof(uint) || type == typeof(ulong) || type == typeof(ushort) || type == typeof(sbyte) => "a whole number",
        _ when type == typeof(double) || type == typeof(float) || type == typeof(decimal) => "a number",
        _ when type == typeof(bool) => "true or false",
        _ when type == typeof(TimeSpan) => "a time span such as 00:00:10",
        _ when type.IsEnum => "one of " + string.Join(", ", Enum.GetNames(type)),
        _ => "a " + type.Name,
    };

    private sealed class AnnotationsValidator<T>(string name) : IValidateOptions<T>
        where T : class
    {
        public ValidateOptionsResult Validate(string? optionsName, T options)
        {
            if (optionsName is not null && optionsName != name)
            {
                return ValidateOptionsResult.Skip;
            }

            var results = new List<ValidationResult>();
            return Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true)
                ? ValidateOptionsResult.Success
                : ValidateOptionsResult.Fail(results.Select(result => result.ErrorMessage ?? "A setting is not valid."));
        }
    }
}
