using System.CommandLine;
using System.Net;
using LiveFeed.Client;
using LiveFeed.Contracts;

namespace LiveFeed.Cli;

/// <summary>The tool's commands: post (now or --at a time), scheduled, cancel, correct, retract, history, list, tail.</summary>
internal static class Commands
{
    private const int DefaultListLimit = 20;
    private const int DefaultTailLines = 10;

    public static Command Post(CommonOptions common, CliEnvironment environment)
    {
        var headline = new Argument<string>("headline") { Description = $"The headline: 1 to {ItemLimits.HeadlineMaxLength} characters of plain text." };
        var feed = FeedOption();
        var content = new ContentOptions();
        var at = new Option<string>("--at") { Description = ScheduleTime.Help };
        at.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string>() is { } text && ScheduleTime.Parse(text, DateTime.UtcNow, out var error) is null)
            {
                result.AddError(error!);
            }
        });
        var command = new Command("post", "Publish an item to a feed, or schedule it with --at.") { headline, feed, at };
        content.AddTo(command);
        command.SetAction((parse, cancellationToken) => RunAsync(parse, common, environment, requiresKey: true, async (context, server) =>
        {
            var request = content.Request(parse, parse.GetValue(headline)!);
            if (parse.GetValue(at) is { } atText)
            {
                var scheduled = await context.Newsroom(server).ScheduleAsync(
                    parse.GetValue(feed)!, request, ScheduleTime.Parse(atText, DateTime.UtcNow, out _)!.Value, cancellationToken);
                await WriteAsync(context, scheduled, $"Scheduled {scheduled.Id} for {scheduled.Feed} at {context.Format.When(scheduled.PublishAt)}.");
                return ExitCodes.Ok;
            }

            var (item, version) = await context.Newsroom(server).PublishVersionedAsync(parse.GetValue(feed)!, request, cancellationToken);
            await WriteAsync(context, item, $"Posted {item.Id} to {item.Feed} at {context.Format.Time(item.PublishedAt)}{Version(version)}.");
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }

    public static Command Scheduled(CommonOptions common, CliEnvironment environment)
    {
        var feed = FeedOption();
        var command = new Command("scheduled", "List a feed's scheduled items still waiting to go out, soonest first, with their ids and times.") { feed };
        command.SetAction((parse, cancellationToken) => RunAsync(parse, common, environment, requiresKey: true, async (context, server) =>
        {
            var feedName = parse.GetValue(feed)!;
            var items = await context.Newsroom(server).ListScheduledAsync(feedName, cancellationToken);
            await WriteListAsync(context, items, $"livefeed: feed '{feedName}' has no scheduled items.", context.Format.ScheduledLine);
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }

    public static Command Cancel(CommonOptions common, CliEnvironment environment)
    {
        var id = new Argument<string>("id") { Description = "The scheduled item's id (see 'livefeed scheduled')." };
        var feed = FeedOption();
        var command = new Command("cancel", "Cancel a scheduled item: it never goes out. An item that has gone out is retracted instead (livefeed retract).") { id, feed };
        command.SetAction((parse, cancellationToken) => RunAsync(parse, common, environment, requiresKey: true, async (context, server) =>
        {
            var feedName = parse.GetValue(feed)!;
            var itemId = parse.GetValue(id)!;
            if (!await context.Newsroom(server).CancelScheduledAsync(feedName, itemId, cancellationToken))
            {
                await context.Environment.Error.WriteLineAsync(
                    $"livefeed: feed '{feedName}' has no scheduled item '{itemId}' waiting: it has gone out (see 'livefeed list'), or was never scheduled or already cancelled.");
                return ExitCodes.Refused;
            }

            await WriteAsync(context, new { feed = feedName, id = itemId, cancelled = true }, $"Cancelled {itemId} in {feedName}: it will not go out.");
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }

    public static Command Correct(CommonOptions common, CliEnvironment environment)
    {
        var id = ItemIdArgument();
        var headline = new Argument<string?>("headline") { Description = "The corrected headline. Default: the item's headline.", Arity = ArgumentArity.ZeroOrOne };
        var feed = FeedOption();
        var content = new ContentOptions();
        var ifMatch = IfMatchOption("correct");
        var command = new Command(
            "correct",
            "Correct an item: what you give replaces the item's field, the rest stays as it is (pinned and key event too). Readers see the " +
            "correction. A colleague's correction made meanwhile is never overwritten: then the command says so and changes nothing.")
        { id, headline, feed, ifMatch };
        content.AddTo(command);
        command.SetAction((parse, cancellationToken) => RunAsync(parse, common, environment, requiresKey: true, async (context, server) =>
        {
            var newsroom = context.Newsroom(server);
            var feedName = parse.GetValue(feed)!;
            var itemId = parse.GetValue(id)!;
            // PUT replaces the whole content: start from the item as it stands so that only what is given changes, and
            // write only on the version read (or the one --if-match names), so that nothing changed meanwhile is lost.
            if (await newsroom.GetVersionedAsync(feedName, itemId, cancellationToken) is not { Item: var current, Version: var currentVersion })
            {
                await context.Environment.Error.WriteLineAsync($"livefeed: feed '{feedName}' has no item '{itemId}' (see 'livefeed list --feed {feedName}').");
                return ExitCodes.Refused;
            }

            var body = parse.GetValue(content.Body);
            var link = parse.GetValue(content.Link);
            var (item, version) = await newsroom.CorrectAsync(
                feedName,
                itemId,
                new ItemRequest
                {
                    Headline = parse.GetValue(headline) ?? current.Headline,
                    Body = body is null ? current.Body : body.Length == 0 ? null : body,
                    Priority = ContentOptions.ParsePriority(parse.GetValue(content.Priority)) ?? current.Priority,
                    Tags = parse.GetValue(content.Tags) is { Length: > 0 } tags ? tags : current.Tags,
                    Link = link is null ? current.Link : link.Length == 0 ? null : link,
                    Pinned = ContentOptions.Flag(parse, content.Pin) ?? current.Pinned,
                    KeyEvent = ContentOptions.Flag(parse, content.KeyEvent) ?? current.KeyEvent,
                },
                parse.GetValue(ifMatch) ?? currentVersion,
                cancellationToken);
            await WriteAsync(context, item, $"Corrected {item.Id} in {item.Feed} at {context.Format.Time(item.UpdatedAt ?? item.PublishedAt)}{Version(version)}.");
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }

    public static Command Retract(CommonOptions common, CliEnvironment environment)
    {
        var id = ItemIdArgument();
        var feed = FeedOption();
        var ifMatch = IfMatchOption("retract");
        var command = new Command("retract", "Retract an item: readers remove it. Retracting it again does nothing.") { id, feed, ifMatch };
        command.SetAction((parse, cancellationToken) => RunAsync(parse, common, environment, requiresKey: true, async (context, server) =>
        {
            var feedName = parse.GetValue(feed)!;
            var itemId = parse.GetValue(id)!;
            await context.Newsroom(server).RetractAsync(feedName, itemId, parse.GetValue(ifMatch), cancellationToken);
            await WriteAsync(context, new { feed = feedName, id = itemId, retracted = true }, $"Retracted {itemId} from {feedName}.");
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }

    public static Command History(CommonOptions common, CliEnvironment environment)
    {
        var id = ItemIdArgument();
        var feed = FeedOption();
        var command = new Command("history", "Show who published, corrected and retracted an item, and when, oldest first.") { id, feed };
        command.SetAction((parse, cancellationToken) => RunAsync(parse, common, environment, requiresKey: true, async (context, server) =>
        {
            var feedName = parse.GetValue(feed)!;
            var itemId = parse.GetValue(id)!;
            if (await context.Newsroom(server).HistoryAsync(feedName, itemId, cancellationToken) is not { } history)
            {
                await context.Environment.Error.WriteLineAsync($"livefeed: feed '{feedName}' has no item '{itemId}' (see 'livefeed list --feed {feedName}').");
                return ExitCodes.Refused;
            }

            if (context.Json)
            {
                await context.Environment.Out.WriteLineAsync(ItemFormat.Json(history));
            }
            else
            {
                foreach (var feedEvent in history.Events)
                {
                    await context.Environment.Out.WriteLineAsync(context.Format.HistoryLine(feedEvent));
                }
            }

            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }

    public static Command List(CommonOptions common, CliEnvironment environment)
    {
        var feed = FeedOption();
        var limit = new Option<int>("--limit", "-n") { Description = "How many of the newest items.", DefaultValueFactory = _ => DefaultListLimit };
        var command = new Command("list", "List a feed's items, newest first, with their ids.") { feed, limit };
        command.SetAction((parse, cancellationToken) => RunAsync(parse, common, environment, requiresKey: false, async (context, server) =>
        {
            var count = parse.GetValue(limit);
            var feedName = parse.GetValue(feed)!;
            if (count < 1)
            {
                await context.Environment.Error.WriteLineAsync("livefeed: --limit must be 1 or more (see 'livefeed list --help').");
                return ExitCodes.Usage;
            }

            var items = new List<FeedItem>();
            await foreach (var item in context.Newsroom(server).ListAllAsync(feedName, Math.Min(count, 200), cancellationToken))
            {
                items.Add(item);
                if (items.Count == count)
                {
                    break;
                }
            }

            await WriteListAsync(context, items, $"livefeed: feed '{feedName}' has no items.", context.Format.ListLine);
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }

    public static Command Tail(CommonOptions common, CliEnvironment environment)
    {
        var feeds = new Option<string[]>("--feed", "-f")
        {
            Description = "A feed to follow; repeat to follow several.",
            DefaultValueFactory = _ => [FeedName.Default],
        };
        feeds.Validators.Add(result =>
        {
            var names = result.GetValueOrDefault<string[]>() ?? [];
            foreach (var name in names)
            {
                if (!FeedName.IsValid(name))
                {
                    result.AddError($"'{name}' is not a feed name: use {FeedName.Rule}.");
                }
            }

            if (names.Distinct(StringComparer.Ordinal).Count() > FeedHubProtocol.MaxFeedsPerConnection)
            {
                result.AddError($"tail follows at most {FeedHubProtocol.MaxFeedsPerConnection} feeds at once; run another tail for the rest.");
            }
        });
        var lines = new Option<int>("--lines", "-n") { Description = "How many recent items to show first.", DefaultValueFactory = _ => DefaultTailLines };
        var protocol = new Option<LiveFeedProtocol>("--protocol") { Description = "The hub protocol.", DefaultValueFactory = _ => LiveFeedProtocol.Json };
        var command = new Command(
            "tail",
            "Follow feeds live: each item with its local time, priority and headline, then corrections and retractions as they happen. " +
            "Survives the server restarting and shows what it missed. Stop with Ctrl+C.")
        { feeds, lines, protocol };
        command.SetAction((parse, cancellationToken) => RunAsync(parse, common, environment, requiresKey: false, (context, server) =>
            new TailCommand(context, parse.GetValue(feeds)!.Distinct(StringComparer.Ordinal).ToList(), Math.Max(0, parse.GetValue(lines)), parse.GetValue(protocol))
                .RunAsync(server, cancellationToken),
            cancellationToken));
        return command;
    }

    private static Argument<string> ItemIdArgument()
    {
        var id = new Argument<string>("id") { Description = "The item's id (see 'livefeed list')." };
        id.Validators.Add(result =>
        {
            if (string.IsNullOrWhiteSpace(result.GetValueOrDefault<string>()))
            {
                result.AddError("an item id is needed: see 'livefeed list' for the ids of a feed's items.");
            }
        });
        return id;
    }

    private static Option<string> IfMatchOption(string verb)
    {
        var option = new Option<string>("--if-match")
        {
            Description = $"Only {verb} the item if it is still at this version (the one post, correct or history printed); " +
                "if someone changed it since, say so and change nothing.",
        };
        option.Validators.Add(result =>
        {
            if (string.IsNullOrWhiteSpace(result.GetValueOrDefault<string>()))
            {
                result.AddError("--if-match needs a version, as post or correct printed it (\"...\").");
            }
        });
        return option;
    }

    // ", version "…"" after a write, for a later --if-match; nothing when the server sent none.
    private static string Version(string? version) => version is null ? "" : $", version {version}";

    private static Option<string> FeedOption()
    {
        var feed = new Option<string>("--feed", "-f") { Description = "The feed.", DefaultValueFactory = _ => FeedName.Default };
        feed.Validators.Add(result =>
        {
            if (!FeedName.IsValid(result.GetValueOrDefault<string>()))
            {
                result.AddError($"'{result.GetValueOrDefault<string>()}' is not a feed name: use {FeedName.Rule}.");
            }
        });
        return feed;
    }

    /// <summary>A list: JSON for scripts, else one line each, or (on stderr) that there is nothing.</summary>
    private static async Task WriteListAsync<T>(CliContext context, IReadOnlyList<T> items, string empty, Func<T, string> line)
    {
        if (context.Json)
        {
            await context.Environment.Out.WriteLineAsync(ItemFormat.Json(items));
            return;
        }

        if (items.Count == 0)
        {
            await context.Environment.Error.WriteLineAsync(empty);
        }

        foreach (var item in items)
        {
            await context.Environment.Out.WriteLineAsync(line(item));
        }
    }

    private static async Task WriteAsync<T>(CliContext context, T value, string text) =>
        await context.Environment.Out.WriteLineAsync(context.Json ? ItemFormat.Json(value) : text);

    /// <summary>Runs a command's work; turns every failure a person can act on into one line on stderr and an exit code.</summary>
    private static async Task<int> RunAsync(
        ParseResult parse, CommonOptions common, CliEnvironment environment, bool requiresKey, Func<CliContext, Uri, Task<int>> work, CancellationToken cancellationToken)
    {
        using var context = new CliContext(parse, common, environment);
        var error = environment.Error;
        if (context.Server is not { } server)
        {
            await error.WriteLineAsync($"livefeed: '{context.ServerText}' is not a server URL: give --server (or LIVEFEED_URL) as http://host:port.");
            return ExitCodes.Usage;
        }

        if (requiresKey && context.Key is null)
        {
            await error.WriteLineAsync("livefeed: no newsroom key: pass --key or set LIVEFEED_KEY.");
            return ExitCodes.Unauthorized;
        }

        try
        {
            return await work(context, server);
        }
        catch (LiveFeedApiException exception) when (exception.Status is 401 or 403)
        {
            await error.WriteLineAsync($"livefeed: the server refused the newsroom key ({exception.Status}): check --key or LIVEFEED_KEY.");
            return ExitCodes.Unauthorized;
        }
        catch (LiveFeedApiException exception) when (exception.Status == 429)
        {
            await error.WriteLineAsync($"livefeed: {OneLine(exception.Message)} (429)");
            return ExitCodes.TooManyRequests;
        }
        catch (HttpRequestException exception) when (exception.StatusCode == HttpStatusCode.TooManyRequests)
        {
            // tail's first connection: the SignalR client reports the status of a refused negotiate, not its body.
            await error.WriteLineAsync($"livefeed: the LiveFeed server at {context.ServerText} takes no more new connections for now, from this address or while it sets up others (429); try again later.");
            return ExitCodes.TooManyRequests;
        }
        catch (LiveFeedItemChangedException changed) when (changed.Current is { } current)
        {
            var by = current.Item.UpdatedBy ?? current.Item.Author;
            var at = current.Item.RetractedAt ?? current.Item.UpdatedAt ?? current.Item.PublishedAt;
            await error.WriteLineAsync(
                $"livefeed: {current.Item.Id} changed since that version: {by} {(current.Item.RetractedAt is null ? "corrected" : "retracted")} it at " +
                $"{context.Format.Time(at)} (\"{ItemFormat.OneLine(current.Item.Headline)}\", version {current.Version}); nothing was changed. (412)");
            return ExitCodes.Refused;
        }
        catch (LiveFeedApiException exception) when (exception.Status >= 500)
        {
            await error.WriteLineAsync($"livefeed: {OneLine(exception.Message)} ({exception.Status}); try again later.");
            return ExitCodes.Unreachable;
        }
        catch (LiveFeedApiException exception)
        {
            await error.WriteLineAsync($"livefeed: {OneLine(exception.Message)}");
            return ExitCodes.Refused;
        }
        catch (HttpRequestException exception)
        {
            await error.WriteLineAsync($"livefeed: cannot reach the LiveFeed server at {context.ServerText}: {OneLine(exception.Message)}");
            return ExitCodes.Unreachable;
        }
        catch (System.Text.Json.JsonException)
        {
            await error.WriteLineAsync($"livefeed: {context.ServerText} answered something that is not LiveFeed's JSON: is it a LiveFeed server?");
            return ExitCodes.Unreachable;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await error.WriteLineAsync($"livefeed: the LiveFeed server at {context.ServerText} did not answer in time.");
            return ExitCodes.Unreachable;
        }
        catch (OperationCanceledException)
        {
            return 130;
        }
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");

    /// <summary>--body, --priority, --tag, --link: the content of post and correct.</summary>
    private sealed class ContentOptions
    {
        public Option<string> Body { get; } = new("--body", "-b") { Description = $"The body: up to {ItemLimits.BodyMaxLength} characters; line breaks allowed." };

        public Option<string> Priority { get; } = PriorityOption();

        public Option<string[]> Tags { get; } = new("--tag", "-t") { Description = $"A tag; repeat for several (at most {ItemLimits.MaxTags})." };

        public Option<string> Link { get; } = new("--link", "-l") { Description = "An http(s) URL to read more." };

        public Option<bool> Pin { get; } = new("--pin")
        {
            Description = "Pin the item above the column (unpinning the feed's pinned item); '--pin false' unpins it.",
        };

        public Option<bool> KeyEvent { get; } = new("--key-event")
        {
            Description = "Mark the item as a key event; '--key-event false' unmarks it.",
        };

        /// <summary>The item to post: the headline and what options were given.</summary>
        public ItemRequest Request(ParseResult parse, string headline) => new()
        {
            Headline = headline,
            Body = parse.GetValue(Body),
            Priority = ParsePriority(parse.GetValue(Priority)),
            Tags = parse.GetValue(Tags) is { Length: > 0 } tags ? tags : null,
            Link = parse.GetValue(Link),
            Pinned = Flag(parse, Pin),
            KeyEvent = Flag(parse, KeyEvent),
        };

        public void AddTo(Command command)
        {
            command.Options.Add(Body);
            command.Options.Add(Priority);
            command.Options.Add(Tags);
            command.Options.Add(Link);
            command.Options.Add(Pin);
            command.Options.Add(KeyEvent);
        }

        /// <summary>The flag's value when given, null when left out.</summary>
        public static bool? Flag(ParseResult parse, Option<bool> flag) => parse.GetResult(flag) is { Implicit: false } ? parse.GetValue(flag) : null;

        public static ItemPriority? ParsePriority(string? text) => text switch
        {
            "normal" => ItemPriority.Normal,
            "urgent" => ItemPriority.Urgent,
            "flash" => ItemPriority.Flash,
            _ => null,
        };

        private static Option<string> PriorityOption()
        {
            var option = new Option<string>("--priority", "-p") { Description = "normal, urgent or flash. Default: normal." };
            option.AcceptOnlyFromAmong("normal", "urgent", "flash");
            return option;
        }
    }
}
