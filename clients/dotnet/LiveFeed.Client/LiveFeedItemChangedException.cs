using LiveFeed.Contracts;

namespace LiveFeed.Client;

/// <summary>
/// A correction or retraction made on a version the item is no longer at (412 to its <c>If-Match</c>): someone else
/// changed it meanwhile, and nothing was changed. <see cref="Current"/> is the item as it stands now, with the version
/// to send again once the editor has looked at it.
/// </summary>
public sealed class LiveFeedItemChangedException : LiveFeedApiException
{
    /// <summary>Creates the exception for a 412 with the server's current item.</summary>
    public LiveFeedItemChangedException(string title, string? detail, VersionedItem current)
        : base(412, title, detail)
    {
        Current = current;
    }

    /// <summary>Creates an exception with a message only.</summary>
    public LiveFeedItemChangedException()
        : this("The item has changed.")
    {
    }

    /// <summary>Creates an exception with a message only.</summary>
    public LiveFeedItemChangedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and its cause.</summary>
    public LiveFeedItemChangedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The item as it stands now and its version; null only when made without an answer.</summary>
    public VersionedItem? Current { get; }
}
