using LiveFeed.Contracts;

namespace LiveFeed.Client;

/// <summary>
/// An item as the API answered it, with its version: the answer's <c>ETag</c> exactly as sent (quotes included). Give
/// it back as <c>ifMatch</c> to <see cref="NewsroomClient.CorrectAsync(string, string, ItemRequest, string?, CancellationToken)"/>
/// or <see cref="NewsroomClient.RetractAsync(string, string, string?, CancellationToken)"/> so that a colleague's change
/// made meanwhile is never overwritten.
/// </summary>
/// <param name="Item">The item.</param>
/// <param name="Version">Its version, or null when the server sent no <c>ETag</c> (a server older than contract v2).</param>
public sealed record VersionedItem(FeedItem Item, string? Version);
