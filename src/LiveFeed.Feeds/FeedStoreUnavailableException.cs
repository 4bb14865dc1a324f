namespace LiveFeed.Feeds;

/// <summary>
/// The store cannot be reached. Nothing was stored, unless <see cref="MayHaveStored"/>; the caller may retry later.
/// </summary>
public sealed class FeedStoreUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public FeedStoreUnavailableException() : base("The feed store cannot be reached.") { }

    /// <summary>Creates the exception with a message.</summary>
    public FeedStoreUnavailableException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public FeedStoreUnavailableException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>Creates the exception for a write of which the store could not learn whether it happened.</summary>
    public FeedStoreUnavailableException(string message, Exception innerException, bool mayHaveStored) : base(message, innerException) =>
        MayHaveStored = mayHaveStored;

    /// <summary>
    /// True when a write was sent but the store stopped answering before anyone could learn whether it happened
    /// (see <see cref="IFeedStore"/>): the write may be in the store, without its event having reached readers live.
    /// </summary>
    public bool MayHaveStored { get; }
}
