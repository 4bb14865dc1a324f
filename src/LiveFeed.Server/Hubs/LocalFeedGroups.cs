using System.Collections.Concurrent;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;

namespace LiveFeed.Server.Hubs;

/// <summary>
/// The hub's <see cref="HubLifetimeManager{THub}"/> when this instance is alone (no Redis): groups are held here as
/// one array of readers per feed, and a group send serialises the message once per protocol and hands the same bytes
/// to every reader's <see cref="ReaderOutbox"/> (<see cref="ReaderOutbox.TrySendShared"/>: straight onto a WebSocket
/// reader's socket, no copy, no per-connection lock of SignalR's, nothing allocated per reader). Readers on Server-Sent
/// Events or long polling get the message through SignalR's own write path, as before. Everything else (connections,
/// sends to all, to a connection or a user, client results) is SignalR's own <see cref="DefaultHubLifetimeManager{THub}"/>.
/// <para>
/// Order: the group send of one event returns once the event was handed to every reader's outbox, and each outbox
/// keeps what it is handed in order; the broadcast sends one event at a time (<see cref="Broadcast.StoredEvents"/>),
/// so every reader gets a feed's events in the order they were sent. A reader that joins while an event is being sent
/// may or may not get it live; it joined before it read the store, so the event (stored before the send began) is in
/// what it read.
/// </para>
/// </summary>
internal sealed class LocalFeedGroups(DefaultHubLifetimeManager<FeedHub> inner) : HubLifetimeManager<FeedHub>
{
    // Membership changes under one lock (joins and leaves are rare beside sends); sends read without it.
    private readonly Lock _membership = new();
    private readonly ConcurrentDictionary<string, LocalGroup> _groups = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, LocalReader> _readers = new(StringComparer.Ordinal);

    /// <summary>Readers in <paramref name="groupName"/> on this instance (for tests and diagnostics).</summary>
    public int CountIn(string groupName) => _groups.TryGetValue(groupName, out var group) ? group.Count : 0;

    public override async Task OnConnectedAsync(HubConnectionContext connection)
    {
        _readers[connection.ConnectionId] = new LocalReader(connection);
        await inner.OnConnectedAsync(connection);
    }

    public override async Task OnDisconnectedAsync(HubConnectionContext connection)
    {
        if (_readers.TryRemove(connection.ConnectionId, out var reader))
        {
            lock (_membership)
            {
                foreach (var groupName in reader.Groups)
                {
                    Leave(reader, groupName);
                }

                reader.Groups.Clear();
            }
        }

        await inner.OnDisconnectedAsync(connection);
    }

    public override Task AddToGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(groupName);
        if (!_readers.TryGetValue(connectionId, out var reader))
        {
            // Not a connection of this instance (or gone already): as SignalR's own manager, nothing to do.
            return Task.CompletedTask;
        }

        lock (_membership)
        {
            if (!reader.Groups.Contains(groupName) && _readers.ContainsKey(connectionId))
            {
                reader.Groups.Add(groupName);
                _groups.GetOrAdd(groupName, static _ => new LocalGroup()).Add(reader);
            }
        }

        return Task.CompletedTask;
    }

    public override Task RemoveFromGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(groupName);
        if (_readers.TryGetValue(connectionId, out var reader))
        {
            lock (_membership)
            {
                if (reader.Groups.Remove(groupName))
                {
                    Leave(reader, groupName);
                }
            }
        }

        return Task.CompletedTask;
    }

    public override Task SendGroupAsync(string groupName, string methodName, object?[] args, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(groupName);
        return _groups.TryGetValue(groupName, out var group)
            ? Deliver([group], new InvocationMessage(methodName, args), excluded: null)
            : Task.CompletedTask;
    }

    public override Task SendGroupsAsync(IReadOnlyList<string> groupNames, string methodName, object?[] args, CancellationToken cancellationToken = default)
    {
        var groups = groupNames.Select(name => _groups.GetValueOrDefault(name)).OfType<LocalGroup>().Distinct().ToList();
        return groups.Count == 0 ? Task.CompletedTask : Deliver(groups, new InvocationMessage(methodName, args), excluded: null);
    }

    public override Task SendGroupExceptAsync(
        string groupName, string methodName, object?[] args, IReadOnlyList<string> excludedConnectionIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(groupName);
        return _groups.TryGetValue(groupName, out var group)
            ? Deliver([group], new InvocationMessage(methodName, args), excludedConnectionIds)
            : Task.CompletedTask;
    }

    public override Task SendAllAsync(string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        inner.SendAllAsync(methodName, args, cancellationToken);

    public override Task SendAllExceptAsync(string methodName, object?[] args, IReadOnlyList<string> excludedConnectionIds, CancellationToken cancellationToken = default) =>
        inner.SendAllExceptAsync(methodName, args, excludedConnectionIds, cancellationToken);

    public override Task SendConnectionAsync(string connectionId, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        inner.SendConnectionAsync(connectionId, methodName, args, cancellationToken);

    public override Task SendConnectionsAsync(IReadOnlyList<string> connectionIds, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        inner.SendConnectionsAsync(connectionIds, methodName, args, cancellationToken);

    public override Task SendUserAsync(string userId, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        inner.SendUserAsync(userId, methodName, args, cancellationToken);

    public override Task SendUsersAsync(IReadOnlyList<string> userIds, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        inner.SendUsersAsync(userIds, methodName, args, cancellationToken);

    public override Task<T> InvokeConnectionAsync<T>(string connectionId, string methodName, object?[] args, CancellationToken cancellationToken) =>
        inner.InvokeConnectionAsync<T>(connectionId, methodName, args, cancellationToken);

    public override Task SetConnectionResultAsync(string connectionId, CompletionMessage result) =>
        inner.SetConnectionResultAsync(connectionId, result);

    public override bool TryGetReturnType(string invocationId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Type? type) =>
        inner.TryGetReturnType(invocationId, out type);

    /// <summary>
    /// Hands <paramref name="message"/> to every reader of <paramref name="groups"/> (once each, in the order of each
    /// group's array): serialised once per protocol, the same bytes to every WebSocket reader's outbox; through SignalR's
    /// connection for the others. Done once every reader has it queued or sent.
    /// </summary>
    private static Task Deliver(IReadOnlyList<LocalGroup> groups, InvocationMessage message, IReadOnlyList<string>? excluded)
    {
        var serialized = new SerializedHubMessage(message);
        IHubProtocol? lastProtocol = null;
        var lastBytes = ReadOnlyMemory<byte>.Empty;
        HashSet<LocalReader>? seen = groups.Count > 1 ? [] : null;
        List<Task>? pending = null;
        foreach (var group in groups)
        {
            var members = group.Members;
            var items = members.Items;
            var count = Volatile.Read(ref members.Count);
            for (var i = 0; i < count; i++)
            {
                var reader = Volatile.Read(ref items[i]);
                if (reader is null || (excluded is not null && excluded.Contains(reader.Connection.ConnectionId)) || (seen is not null && !seen.Add(reader)))
                {
                    continue;
                }

                var protocol = reader.Connection.Protocol;
                if (!ReferenceEquals(protocol, lastProtocol))
                {
                    lastBytes = serialized.GetSerializedMessage(protocol);
                    lastProtocol = protocol;
                }

                if (reader.Outbox?.TrySendShared(lastBytes) == true)
                {
                    continue;
                }

                var write = reader.Connection.WriteAsync(serialized);
                if (!write.IsCompletedSuccessfully)
                {
                    (pending ??= []).Add(write.AsTask());
                }
            }
        }

        return pending is null ? Task.CompletedTask : Task.WhenAll(pending);
    }

    /// <summary>Takes <paramref name="reader"/> out of <paramref name="groupName"/>'s array; under <see cref="_membership"/>.</summary>
    private void Leave(LocalReader reader, string groupName)
    {
        if (_groups.TryGetValue(groupName, out var group) && group.Remove(reader) && group.Count == 0)
        {
            _groups.TryRemove(groupName, out _);
        }
    }

    /// <summary>One connection of this instance: its SignalR connection, its outbox, the groups it is in.</summary>
    private sealed class LocalReader(HubConnectionContext connection)
    {
        public HubConnectionContext Connection { get; } = connection;

        /// <summary>The outbox in front of its transport (<see cref="ReaderOutbox.Around"/>), found once.</summary>
        public ReaderOutbox? Outbox { get; } = connection.Features.Get<IConnectionTransportFeature>()?.Transport as ReaderOutbox;

        /// <summary>Changed under <see cref="_membership"/> only.</summary>
        public List<string> Groups { get; } = new(1);
    }

    /// <summary>
    /// A group's readers as an array that sends walk without a lock: a join writes the next free slot, then publishes
    /// the count; a leave empties its slot; when the array is full, or half of it is empty slots, the live readers move
    /// to a new array (a send already walking the old one finishes there). Changed under <see cref="_membership"/> only.
    /// </summary>
    private sealed class LocalGroup
    {
        private int _holes;
        private Slots _members = new(4);

        /// <summary>The array a send walks: read once per send.</summary>
        public Slots Members => Volatile.Read(ref _members);

        public int Count => Volatile.Read(ref Members.Count) - _holes;

        public void Add(LocalReader reader)
        {
            var members = Members;
            if (members.Count == members.Items.Length)
            {
                members = Compact(Math.Max(4, (members.Count - _holes) * 2));
            }

            Volatile.Write(ref members.Items[members.Count], reader);
            Volatile.Write(ref members.Count, members.Count + 1);
        }

        public bool Remove(LocalReader reader)
        {
            var members = Members;
            var index = Array.IndexOf(members.Items, reader, 0, members.Count);
            if (index < 0)
            {
                return false;
            }

            Volatile.Write(ref members.Items[index], null);
            _holes++;
            if (_holes > 16 && _holes * 2 > members.Count)
            {
                Compact(Math.Max(4, members.Count - _holes));
            }

            return true;
        }

        private Slots Compact(int capacity)
        {
            var old = Members;
            var members = new Slots(capacity);
            foreach (var reader in old.Items.AsSpan(0, old.Count))
            {
                if (reader is not null)
                {
                    members.Items[members.Count++] = reader;
                }
            }

            _holes = 0;
            Volatile.Write(ref _members, members);
            return members;
        }
    }

    /// <summary>An array of readers and how many of its slots are in use (some may be empty).</summary>
    private sealed class Slots(int capacity)
    {
        public readonly LocalReader?[] Items = new LocalReader?[capacity];
        public int Count;
    }
}
