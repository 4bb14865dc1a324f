namespace LiveFeed.Benchmarks.Generator;

/// <summary>One reader of the benchmark, whatever it speaks: a hub connection (<see cref="LeanReader"/>) or a stream (<see cref="EventStreamReader"/>).</summary>
internal interface IFeedReader
{
    /// <summary>The sequences it received, once each and in order or not.</summary>
    SequenceCheck Sequences { get; }

    /// <summary>Why the current connection ended early, or null while it is open.</summary>
    string? Failure { get; }

    /// <summary>Whether it has joined the feed: live events reach it from now on.</summary>
    bool IsSubscribed { get; }

    /// <summary>Connects from <paramref name="invoker"/>'s source address and joins <paramref name="feed"/>; returns once it has.</summary>
    Task OpenAsync(Uri uri, HttpMessageInvoker invoker, string feed, CancellationToken cancellationToken);

    /// <summary>Whatever keeps an idle connection open from the client's side (nothing for a stream).</summary>
    Task PingAsync(CancellationToken cancellationToken);

    /// <summary>Cuts the connection at once.</summary>
    void Abort();
}
