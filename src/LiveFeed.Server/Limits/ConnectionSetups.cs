using System.Collections.Concurrent;

namespace LiveFeed.Server.Limits;

/// <summary>
/// The hub connection set-ups in progress on this instance, against <c>Limits:ConnectionSetups</c>: a negotiate while
/// it is answered, and a connection's WebSocket or Server-Sent Events request from its arrival until its SignalR
/// handshake is done. A set-up holds one slot of the instance and one of its client address's share, given back exactly
/// once: when the handshake is done, or when its request ends without one (refused, failed, aborted, timed out),
/// whichever comes first. So nothing half-open stays counted, and a reader, once connected, holds no slot.
/// </summary>
internal sealed class ConnectionSetups
{
    private readonly ConcurrentDictionary<HttpContext, Setup> _awaitingHandshake = new();
    private readonly Dictionary<string, int> _byAddress = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private int _inProgress;

    /// <summary>What <see cref="TryBegin"/> decided.</summary>
    public enum Admission
    {
        Admitted,

        /// <summary>The instance has <c>MaxInProgress</c> set-ups in progress.</summary>
        InstanceFull,

        /// <summary>The client's address has <c>MaxInProgressPerAddress</c> of them.</summary>
        AddressFull,
    }

    public int InProgress => Volatile.Read(ref _inProgress);

    /// <summary>Starts a set-up for this request from <paramref name="address"/>, unless the instance or the address is at its cap.</summary>
    public Admission TryBegin(HttpContext context, string address, ConnectionSetupLimits limits)
    {
        lock (_lock)
        {
            if (_inProgress >= limits.MaxInProgress)
            {
                return Admission.InstanceFull;
            }

            var ofAddress = _byAddress.GetValueOrDefault(address);
            if (ofAddress >= limits.MaxInProgressPerAddress)
            {
                return Admission.AddressFull;
            }

            _byAddress[address] = ofAddress + 1;
            Volatile.Write(ref _inProgress, _inProgress + 1);
        }

        Track(context, address);
        return Admission.Admitted;
    }

    /// <summary>
    /// Starts a set-up that is not refused: the connection request of a reader whose negotiate was let in. Refusing
    /// it now would waste the negotiate, and the official clients would fall back to another transport.
    /// </summary>
    public void Begin(HttpContext context, string address)
    {
        lock (_lock)
        {
            _byAddress[address] = _byAddress.GetValueOrDefault(address) + 1;
            Volatile.Write(ref _inProgress, _inProgress + 1);
        }

        Track(context, address);
    }

    /// <summary>The hub connection that came over this request has done its handshake.</summary>
    public void HandshakeDone(HttpContext? context)
    {
        if (context is not null && _awaitingHandshake.TryGetValue(context, out var setup))
        {
            setup.End();
        }
    }

    private void Track(HttpContext context, string address)
    {
        var setup = new Setup(this, context, address);
        _awaitingHandshake[context] = setup;
        context.Response.OnCompleted(static state =>
        {
            ((Setup)state).End();
            return Task.CompletedTask;
        }, setup);
    }

    private void Release(string address)
    {
        lock (_lock)
        {
            var ofAddress = _byAddress[address] - 1;
            if (ofAddress == 0)
            {
                _byAddress.Remove(address);
            }
            else
            {
                _byAddress[address] = ofAddress;
            }

            Volatile.Write(ref _inProgress, _inProgress - 1);
        }
    }

    // Kestrel holds the completion callback, and so this, until the request ends: for a WebSocket or an event stream,
    // as long as the reader stays. Once ended, it lets go of the rest.
    private sealed class Setup(ConnectionSetups owner, HttpContext context, string address)
    {
        private ConnectionSetups? _owner = owner;
        private HttpContext? _context = context;
        private string? _address = address;
        private int _ended;

        public void End()
        {
            if (Interlocked.Exchange(ref _ended, 1) == 0)
            {
                _owner!._awaitingHandshake.TryRemove(new KeyValuePair<HttpContext, Setup>(_context!, this));
                _owner.Release(_address!);
                (_owner, _context, _address) = (null, null, null);
            }
        }
    }
}
