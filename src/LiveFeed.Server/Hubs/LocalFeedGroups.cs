using System.Collections.Concurrent;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;

namespace LiveFeed.Server.Hubs;

/// <summary>
/// The hub's <see cref="HubLifetimeManager{THub}"/>: this instance's readers of each group (feed) are held here as one
/// array, and a group send serialises the message once per protocol and hands the same bytes to every reader's
/// <see cref="ReaderOutbox"/> (<see cref="ReaderOutbox.TrySendShared"/>: straight onto a WebSocket reader's socket, no
/// copy, no per-connection lock of SignalR's, nothing allocated per reader). Readers on Server-Sent Events or long
/// polling get the message through SignalR's own write path, as before. Everything else (connections, sends to all, to
/// a connection or a user, client results) is SignalR's own manager underneath (<c>inner</c>): the default one, or with
/// Redis SignalR's Redis manager, the backplane.
/// <para>
/// With the backplane, each group this instance has readers in has one member there for all of them, a
/// <see cref="BackplaneMember"/>: the backplane subscribes this instance to the group's channel once, and what other
/// instances send to the group reaches the member, which hands it to the local array the same way. A send from here
/// goes to the local array directly and to the backplane with the member excluded, so the other instances' readers get
/// it (whatever version of LiveFeed they run: to them this is SignalR's Redis backplane as before) and no reader here
/// gets it twice. A reader's join waits until the member is subscribed, so an event another instance sends after the
/// join (and so after the reader's store read begins) reaches it.
/// </para>
/// <para>
/// Order: the group send of one event returns once the event was handed to every reader's outbox, and each outbox
/// keeps what it is handed in order; the broadcast sends one event at a time (<see cref="Broadcast.StoredEvents"/>),
/// so every reader gets a feed's events in the order they were sent. A reader that joins while an event is being sent
/// may or may not get it live; it joined before it read the store, so the event (stored before the send began) is in
/// what it read.
/// </para>
/// </summary>
internal sealed class LocalFeedGroups(HubLifetimeManager<FeedHub> inner, bool backplane, ILoggerFactory loggerFactory) : HubLifetimeManager<FeedHub>
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
        List<LocalGroup>? emptied = null;
        if (_readers.TryRemove(connection.ConnectionId, out var reader))
        {
            lock (_membership)
            {
                foreach (var groupName in reader.Groups)
                {
                    if (Leave(reader, groupName) is { } group)
                    {
                        (emptied ??= []).Add(group);
                    }
                }

                reader.Groups.Clear();
            }
        }

        foreach (var group in emptied ?? [])
        {
            await group.LeaveBackplaneAsync(inner);
        }

        await inner.OnDisconnectedAsync(connection);
    }

    public override async Task AddToGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(groupName);
        if (!_readers.TryGetValue(connectionId, out var reader))
        {
            // Not a connection of this instance: the backplane finds it on another (the default manager does nothing).
            await inner.AddToGroupAsync(connectionId, groupName, cancellationToken);
            return;
        }

        while (true)
        {
            LocalGroup group;
            lock (_membership)
            {
                if (reader.Groups.Contains(groupName) || !_readers.ContainsKey(connectionId))
                {
                    return;
                }

                group = _groups.GetOrAdd(groupName, name => new LocalGroup(name, backplane ? loggerFactory : null));
            }

            try
            {
                await group.JoinBackplaneAsync(inner);
            }
            catch
            {
                lock (_membership)
                {
                    // A group nobody could join is not kept; the next reader starts a new one.
                    if (group.Count == 0 && _groups.TryRemove(new KeyValuePair<string, LocalGroup>(groupName, group)))
                    {
                        group.Retired = true;
                    }
                }

                throw;
            }

            lock (_membership)
            {
                if (group.Retired)
                {
                    // Its last reader left (and its member left the backplane) while this one waited: join its successor.
                    continue;
                }

                if (!reader.Groups.Contains(groupName) && _readers.ContainsKey(connectionId))
                {
                    reader.Groups.Add(groupName);
                    group.Add(reader);
                }

                return;
            }
        }
    }

    public override async Task RemoveFromGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(groupName);
        if (!_readers.TryGetValue(connectionId, out var reader))
        {
            await inner.RemoveFromGroupAsync(connectionId, groupName, cancellationToken);
            return;
        }

        LocalGroup? emptied = null;
        lock (_membership)
        {
            if (reader.Groups.Remove(groupName))
            {
                emptied = Leave(reader, groupName);
            }
        }

        if (emptied is not null)
        {
            await emptied.LeaveBackplaneAsync(inner);
        }
    }

    public override Task SendGroupAsync(string groupName, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        SendGroupExceptAsync(groupName, methodName, args, [], cancellationToken);

    public override async Task SendGroupsAsync(IReadOnlyList<string> groupNames, string methodName, object?[] args, CancellationToken cancellationToken = default)
    {
        foreach (var groupName in groupNames.Distinct(StringComparer.Ordinal))
        {
            await SendGroupExceptAsync(groupName, methodName, args, [], cancellationToken);
        }
    }

    public override async Task SendGroupExceptAsync(
        string groupName, string methodName, object?[] args, IReadOnlyList<string> excludedConnectionIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(groupName);
        var group = _groups.GetValueOrDefault(groupName);
        if (group is not null)
        {
            await Deliver(group, new SerializedHubMessage(new InvocationMessage(methodName, args)), excludedConnectionIds);
        }

        if (backplane)
        {
            // The other instances' readers, through the backplane; not this instance's member, whose readers have it.
            await inner.SendGroupExceptAsync(
                groupName, methodName, args, group?.Member is { } member ? [.. excludedConnectionIds, member.ConnectionId] : excludedConnectionIds, cancellationToken);
        }
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
    /// Hands <paramref name="message"/> to every reader of <paramref name="group"/> on this instance, in the order of its
    /// array: serialised once per protocol, the same bytes to every WebSocket reader's outbox; through SignalR's
    /// connection for the others. Done once every reader has it queued or sent.
    /// </summary>
    private static Task Deliver(LocalGroup group, SerializedHubMessage message, IReadOnlyList<string> excluded)
    {
        var now = ReaderPings.Now;
        IHubProtocol? lastProtocol = null;
        var lastBytes = ReadOnlyMemory<byte>.Empty;
        List<Task>? pending = null;
        var members = group.Members;
        var items = members.Items;
        var count = Volatile.Read(ref members.Count);
        for (var i = 0; i < count; i++)
        {
            var reader = Volatile.Read(ref items[i]);
            if (reader is null || (excluded.Count > 0 && excluded.Contains(reader.Connection.ConnectionId)))
            {
                continue;
            }

            var protocol = reader.Connection.Protocol;
            if (!ReferenceEquals(protocol, lastProtocol))
            {
                lastBytes = message.GetSerializedMessage(protocol);
                lastProtocol = protocol;
            }

            if (reader.Outbox?.TrySendShared(lastBytes, now) == true)
            {
                continue;
            }

            var write = reader.Connection.WriteAsync(message);
            if (!write.IsCompletedSuccessfully)
            {
                (pending ??= []).Add(write.AsTask());
            }
        }

        return pending is null ? Task.CompletedTask : Task.WhenAll(pending);
    }

    /// <summary>
    /// Takes <paramref name="reader"/> out of <paramref name="groupName"/>'s array; under <see cref="_membership"/>.
    /// Answers the group when this emptied it: it is retired, and its member is to leave the backplane.
    /// </summary>
    private LocalGroup? Leave(LocalReader reader, string groupName)
    {
        if (_groups.TryGetValue(groupName, out var group) && group.Remove(reader) && group.Count == 0)
        {
            _groups.TryRemove(groupName, out _);
            group.Retired = true;
            return group;
        }

        return null;
    }

    /// <summary>
    /// The one member of a group on the backplane for all of this instance's readers of it: a connection of SignalR's
    /// kind that no client is on. SignalR's Redis manager writes what other instances send to the group to it, once for
    /// all; it hands that (already serialised for every protocol by the sender) to the group's local array.
    /// </summary>
    private sealed class BackplaneMember(LocalGroup group, ILoggerFactory loggerFactory)
        : HubConnectionContext(new DefaultConnectionContext("livefeed-group-" + Guid.NewGuid().ToString("N")), Options, loggerFactory)
    {
        private static readonly HubConnectionContextOptions Options = new()
        {
            KeepAliveInterval = TimeSpan.FromDays(1),
            ClientTimeoutInterval = TimeSpan.FromDays(1),
        };

        // Its own group's readers only: once the group is retired it has none, and a successor group has its own member.
        public override ValueTask WriteAsync(SerializedHubMessage message, CancellationToken cancellationToken = default) =>
            new(Deliver(group, message, []));

        public override ValueTask WriteAsync(HubMessage message, CancellationToken cancellationToken = default) =>
            WriteAsync(new SerializedHubMessage(message), cancellationToken);
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
        private readonly string _name;
        private readonly BackplaneMember? _member;
        private readonly Lock _backplaneGate = new();
        private Task? _joined;
        private bool _connected;
        private int _holes;
        private Slots _members = new(4);

        /// <summary>A group of this instance's readers; with a logger factory, with a member on the backplane.</summary>
        public LocalGroup(string name, ILoggerFactory? backplane)
        {
            _name = name;
            _member = backplane is null ? null : new BackplaneMember(this, backplane);
        }

        /// <summary>The array a send walks: read once per send.</summary>
        public Slots Members => Volatile.Read(ref _members);

        public int Count => Volatile.Read(ref Members.Count) - _holes;

        /// <summary>Its member on the backplane, or null without one.</summary>
        public BackplaneMember? Member => _member;

        /// <summary>Emptied and out of the groups; set under <see cref="_membership"/>.</summary>
        public bool Retired { get; set; }

        /// <summary>Done once the member is in the group on the backplane (at once without one); a failed join is tried again by the next.</summary>
        public Task JoinBackplaneAsync(HubLifetimeManager<FeedHub> inner)
        {
            if (_member is null)
            {
                return Task.CompletedTask;
            }

            lock (_backplaneGate)
            {
                if (_joined is null || _joined.IsFaulted || _joined.IsCanceled)
                {
                    _joined = JoinAsync(inner, _member);
                }

                return _joined;
            }
        }

        /// <summary>The member leaves the backplane (once it is in): after the group is retired.</summary>
        public async Task LeaveBackplaneAsync(HubLifetimeManager<FeedHub> inner)
        {
            Task? joined;
            lock (_backplaneGate)
            {
                joined = _joined;
            }

            if (_member is null || joined is null)
            {
                return;
            }

            try
            {
                await joined;
            }
            catch (Exception)
            {
                // It never got in; leaving cleans up whatever part of it did.
            }

            await inner.OnDisconnectedAsync(_member);
        }

        private async Task JoinAsync(HubLifetimeManager<FeedHub> inner, BackplaneMember member)
        {
            if (!_connected)
            {
                await inner.OnConnectedAsync(member);
                _connected = true;
            }

            await inner.AddToGroupAsync(member.ConnectionId, _name);
        }

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
