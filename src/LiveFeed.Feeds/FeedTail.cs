using LiveFeed.Contracts;

namespace LiveFeed.Feeds;

/// <summary>
/// A feed's log as one atomic read saw it, enough to answer the readers that read was made for: the epoch, the latest
/// sequence, the oldest event kept, the kept events after <see cref="From"/>, and the latest items when one of those
/// readers needs a reset. Every store builds its pages from one (<see cref="PageFor"/>), so that the contract's rule
/// for a reader's position (<see cref="ResumeRule"/>) is applied in this one place.
/// </summary>
/// <param name="Feed">The feed.</param>
/// <param name="Epoch">The feed's epoch.</param>
/// <param name="Sequence">The feed's latest sequence.</param>
/// <param name="OldestKept">The oldest event still kept (<paramref name="Sequence"/> + 1 when none is).</param>
/// <param name="From">The sequence the events follow.</param>
/// <param name="Events">Events <paramref name="From"/> + 1, + 2, ..., oldest first: as many as the readers need.</param>
/// <param name="Items">The reset page's items (the latest non-retracted ones, newest first), or null when no reader needed a reset.</param>
public sealed record FeedTail(
    string Feed, string Epoch, long Sequence, long OldestKept, long From, IReadOnlyList<FeedEvent> Events, IReadOnlyList<FeedItem>? Items)
{
    /// <summary>
    /// The page a reader asking <paramref name="request"/> gets at the moment of this read, by the contract's rules: the
    /// events after its position (at most <see cref="PageRequest.MaxEvents"/>) when it can resume, a reset page otherwise.
    /// Throws <see cref="InvalidOperationException"/> when this read was not made for such a reader (it left out what
    /// that reader needs).
    /// </summary>
    public FeedPage PageFor(PageRequest request)
    {
        if (!ResumeRule.CanResume(request.After, Epoch, Sequence, OldestKept))
        {
            return new FeedPage
            {
                Feed = Feed,
                Epoch = Epoch,
                Sequence = Sequence,
                Reset = true,
                Items = Items ?? throw new InvalidOperationException("This read left out the latest items, which a reset page needs."),
            };
        }

        var after = request.After!.Value.Sequence;
        var count = (int)Math.Min(Math.Max(0, request.MaxEvents), Sequence - after);
        var start = after - From;
        if (start < 0 || start + count > Events.Count)
        {
            throw new InvalidOperationException($"This read took {Events.Count} events after #{From}: not those a reader at #{after} needs.");
        }

        return new FeedPage
        {
            Feed = Feed,
            Epoch = Epoch,
            Sequence = Sequence,
            Reset = false,
            Events = count == 0 ? [] : Events.Skip((int)start).Take(count).ToArray(),
        };
    }
}
