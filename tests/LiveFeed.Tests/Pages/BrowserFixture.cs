using Microsoft.Playwright;

namespace LiveFeed.Tests.Pages;

/// <summary>
/// One headless Chromium (Debian's, never a downloaded one) per test class; each test opens its
/// own page in its own context, so storage and connections are not shared between tests.
/// Every Playwright wait is bounded by <see cref="Timeout"/>.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    /// <summary>The bound on every wait in the browser tests.</summary>
    public const float Timeout = 10_000;

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("The browser is not started.");

    public async Task InitializeAsync()
    {
        _playwright = await Playwright.CreateAsync();
        Assertions.SetDefaultExpectTimeout(Timeout);
        _browser = await _playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    /// <summary>
    /// A new page in a new context, <paramref name="width"/> pixels wide, in English (US); with
    /// <paramref name="javaScript"/> false, a browser that runs no script at all.
    /// </summary>
    public async Task<IPage> NewPageAsync(int width = 1280, int height = 900, ColorScheme colorScheme = ColorScheme.Light, bool javaScript = true)
    {
        var context = await Browser.NewContextAsync(new()
        {
            ViewportSize = new() { Width = width, Height = height },
            Locale = "en-US",
            TimezoneId = "Europe/London",
            ColorScheme = colorScheme,
            JavaScriptEnabled = javaScript,
        });
        context.SetDefaultTimeout(Timeout);
        return await context.NewPageAsync();
    }

    /// <summary>
    /// The Content-Security-Policy refusals <paramref name="page"/> reports in its console from now on. Read it under a
    /// lock on the list itself: the console's events arrive on Playwright's thread.
    /// </summary>
    public static List<string> CollectPolicyRefusals(IPage page)
    {
        var refused = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.Ordinal))
            {
                lock (refused)
                {
                    refused.Add(message.Text);
                }
            }
        };
        return refused;
    }

    /// <summary>
    /// Dismisses every dialog (<c>alert</c>, ...) <paramref name="page"/> opens from now on, and answers how many it has
    /// opened: a script that should never run would show itself so.
    /// </summary>
    public static Func<int> CountDialogs(IPage page)
    {
        var dialogs = 0;
        page.Dialog += (_, dialog) =>
        {
            Interlocked.Increment(ref dialogs);
            _ = dialog.DismissAsync();
        };
        return () => Volatile.Read(ref dialogs);
    }

    /// <summary>How many requests <paramref name="page"/> makes from now on whose address contains <paramref name="part"/>.</summary>
    public static Func<int> CountRequests(IPage page, string part)
    {
        var requests = 0;
        page.Request += (_, request) =>
        {
            if (request.Url.Contains(part, StringComparison.Ordinal))
            {
                Interlocked.Increment(ref requests);
            }
        };
        return () => Volatile.Read(ref requests);
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }
}

/// <summary>The browser test classes run one after another: each has its own Chromium, and the machine is small.</summary>
[CollectionDefinition(Name)]
public sealed class BrowserTests
{
    public const string Name = "Browser";
}
