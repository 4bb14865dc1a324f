namespace LiveFeed.Client;

/// <summary>How a <see cref="NewsroomClient"/> authenticates and retries.</summary>
public sealed class NewsroomClientOptions
{
    /// <summary>
    /// The newsroom key, sent as <c>Authorization: Bearer</c> on every request. Leave null when the
    /// <see cref="HttpClient"/> already sends it (or for reads only).
    /// </summary>
    public string? ApiKey { get; set; }

    /// <summary>
    /// How many times a request is retried after a 429 or 503 (waiting as <c>Retry-After</c> says), or
    /// after the server could not be reached (waiting 0.5 s, 1 s, 2 s, ...). Default: 3.
    /// </summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>The longest <c>Retry-After</c> the client waits out; a longer one fails at once. Default: 30 s.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The clock for the waits between retries. Default: <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}
