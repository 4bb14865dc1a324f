namespace LiveFeed.Feeds;

/// <summary>The store cannot be reached. Nothing was stored; the caller may retry later.</summary>
public sealed class FeedStoreUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public FeedStoreUnavailableException() : base("The feed store cannot be reached.") { }

    /// <summary>Creates the exception with a message.</summary>
    public FeedStoreUnavailableException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public FeedStoreUnavailableException(string message, Exception innerException) : base(message, innerException) { }
}
