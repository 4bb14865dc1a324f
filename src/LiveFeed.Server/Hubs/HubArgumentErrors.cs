using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.ExceptionServices;
using LiveFeed.Contracts;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace LiveFeed.Server.Hubs;

/// <summary>
/// A call of a hub method whose arguments do not fit its parameters (a number for the feed's name, a string for the
/// sequence, too few or too many) is answered with the method's parameters, as the contract asks of every hub error (a
/// message a person can act on), not SignalR's bare "Failed to invoke 'Subscribe' due to an error on the server.".
/// <para>
/// The protocol reports such a call as an <see cref="InvocationBindingFailureMessage"/>, which SignalR answers with an
/// error that carries the failure's message only when it is a <see cref="HubException"/> (with detailed errors off, as
/// here). So each protocol is wrapped (by the protocol resolver, SignalR's public extension point for them): a binding
/// failure of a method of the hub gets a <see cref="HubException"/> naming its parameters; everything else passes
/// through unchanged (an unknown method is already SignalR's "HubException: Method does not exist.").
/// </para>
/// </summary>
internal static class HubArgumentErrors
{
    // The contract's signatures (docs/contract.md). SignalR matches method names without regard to case.
    private static readonly Dictionary<string, string> Signatures = new(StringComparer.OrdinalIgnoreCase)
    {
        [FeedHubProtocol.Subscribe] = "Subscribe(feed: string, epoch: string | null, sequence: number | null)",
        [FeedHubProtocol.Unsubscribe] = "Unsubscribe(feed: string)",
    };

    /// <summary>
    /// Wraps every hub protocol, whenever it was registered: SignalR's own protocol resolver is replaced by one that
    /// hands out the wrapped protocols (every later <c>AddSignalR</c> adds its resolver only when there is none).
    /// </summary>
    public static ISignalRServerBuilder WithArgumentErrorsNamed(this ISignalRServerBuilder builder)
    {
        builder.Services.Replace(ServiceDescriptor.Singleton<IHubProtocolResolver, ArgumentErrorsProtocols>());
        return builder;
    }

    /// <summary>The answer to a call of <paramref name="target"/> whose arguments did not bind; null for a method the hub does not have.</summary>
    private static HubException? For(string target) => Signatures.TryGetValue(target, out var signature)
        ? new HubException($"The arguments do not fit {signature}.")
        : null;

    /// <summary>SignalR's resolver (one protocol per name, the last registered; a name asked for matched without regard to case), wrapping each.</summary>
    private sealed class ArgumentErrorsProtocols : IHubProtocolResolver
    {
        private readonly Dictionary<string, IHubProtocol> _byName = new(StringComparer.OrdinalIgnoreCase);

        public ArgumentErrorsProtocols(IEnumerable<IHubProtocol> protocols)
        {
            foreach (var protocol in protocols)
            {
                _byName[protocol.Name] = new ArgumentErrorsProtocol(protocol);
            }

            AllProtocols = [.. _byName.Values];
        }

        public IReadOnlyList<IHubProtocol> AllProtocols { get; }

        public IHubProtocol? GetProtocol(string protocolName, IReadOnlyList<string>? supportedProtocols) =>
            _byName.TryGetValue(protocolName, out var protocol)
            && (supportedProtocols is null || supportedProtocols.Contains(protocolName, StringComparer.OrdinalIgnoreCase))
                ? protocol
                : null;
    }

    private sealed class ArgumentErrorsProtocol(IHubProtocol inner) : IHubProtocol
    {
        public string Name => inner.Name;

        public int Version => inner.Version;

        public TransferFormat TransferFormat => inner.TransferFormat;

        public bool TryParseMessage(ref ReadOnlySequence<byte> input, IInvocationBinder binder, [NotNullWhen(true)] out HubMessage? message)
        {
            if (!inner.TryParseMessage(ref input, binder, out message))
            {
                return false;
            }

            if (message is InvocationBindingFailureMessage failure
                && failure.BindingFailure.SourceException is not HubException
                && For(failure.Target) is { } named)
            {
                message = new InvocationBindingFailureMessage(failure.InvocationId, failure.Target, ExceptionDispatchInfo.Capture(named))
                {
                    Headers = failure.Headers,
                };
            }

            return true;
        }

        public void WriteMessage(HubMessage message, IBufferWriter<byte> output) => inner.WriteMessage(message, output);

        public ReadOnlyMemory<byte> GetMessageBytes(HubMessage message) => inner.GetMessageBytes(message);

        public bool IsVersionSupported(int version) => inner.IsVersionSupported(version);
    }
}
