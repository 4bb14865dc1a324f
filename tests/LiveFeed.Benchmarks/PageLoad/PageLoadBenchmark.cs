using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using LiveFeed.Benchmarks.Servers;
using Microsoft.Playwright;

namespace LiveFeed.Benchmarks.PageLoad;

/// <summary>
/// The reader page's first load as a reader's browser sees it (docs/benchmarks.md, "Page load"): headless Chromium
/// opens <c>/?feed=...</c> with an empty cache and measures the bytes that crossed the network until the page is live
/// (every response's encoded length, and the hub's WebSocket frames) and the time from navigation to the first frame
/// painted with an item in it; on loopback, and throttled to a slow mobile network with the DevTools protocol.
/// </summary>
internal static class PageLoadBenchmark
{
    /// <summary>A network, as Chromium's DevTools protocol emulates it; null values leave it unthrottled.</summary>
    private sealed record Network(string Name, double? LatencyMs, double? DownloadBytesPerSecond, double? UploadBytesPerSecond);

    private static readonly Network[] Networks =
    [
        new("loopback", null, null, null),
        // DevTools' "Slow 4G" preset (formerly "Fast 3G"): 562.5 ms round trips, 1.44 Mbit/s down, 675 kbit/s up.
        new("slow mobile", 562.5, 180_000, 84_375),
    ];

    // Set by the page's init script: when an item was first in a painted frame, and when the column went live.
    private const string Probe = """
        (() => {
          const mark = (name) => requestAnimationFrame(() => requestAnimationFrame(() => { window[name] ??= performance.now(); }));
          const look = () => {
            if (document.querySelector(".lf-item")) { mark("__firstItemPainted"); }
            if (document.querySelector(".lf-status[data-state='live']")) { window.__live ??= performance.now(); }
          };
          new MutationObserver(look).observe(document, { childList: true, subtree: true, attributes: true, attributeFilter: ["data-state"] });
        })();
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        var serverDll = Option(args, "--server-dll") ?? DefaultServerDll();
        var items = int.Parse(Option(args, "--items") ?? "20", CultureInfo.InvariantCulture);
        var runs = int.Parse(Option(args, "--runs") ?? "7", CultureInfo.InvariantCulture);
        var label = Option(args, "--label") ?? "livefeed";
        var output = Option(args, "--out");

        const string Key = "livefeed-pageload-key";
        var port = ServerProcess.FreePort();
        await using var server = await ServerProcess.StartAsync(label, "dotnet", [serverDll, "--urls", $"http://127.0.0.1:{port}"],
            new Dictionary<string, string>
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                ["Newsroom__ApiKeys__bench"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Key))),
                ["Serilog__MinimumLevel__Default"] = "Warning",
            },
            cpus: null, port, "/health/ready");
        await SeedAsync(server.Address, Key, items);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });

        var results = new List<object>();
        Console.WriteLine($"{label}: {items} items, median of {runs} loads with an empty cache");
        Console.WriteLine($"{"network",-12} {"bytes",9} {"first item painted",19} {"live",9}");
        foreach (var network in Networks)
        {
            var loads = new List<Load>();
            await LoadAsync(browser, server.Address, network); // warms the server, not measured
            for (var run = 0; run < runs; run++)
            {
                loads.Add(await LoadAsync(browser, server.Address, network));
            }

            var bytes = Median(loads.Select(load => (double)load.Bytes));
            var painted = Median(loads.Select(load => load.FirstItemPaintedMs));
            var live = Median(loads.Select(load => load.LiveMs));
            Console.WriteLine($"{network.Name,-12} {bytes,9:N0} {painted,16:N0} ms {live,6:N0} ms");
            results.Add(new { label, network = network.Name, items, runs, bytes, firstItemPaintedMs = painted, liveMs = live, loads });
        }

        if (output is not null)
        {
            await File.WriteAllTextAsync(output, JsonSerializer.Serialize(results, Indented));
        }

        return 0;
    }

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    private static readonly string[] Tags = ["politics"];

    private sealed record Load(long Bytes, double FirstItemPaintedMs, double LiveMs);

    private static async Task<Load> LoadAsync(IBrowser browser, Uri server, Network network)
    {
        await using var context = await browser.NewContextAsync(new() { Locale = "en-US", TimezoneId = "Europe/London" });
        await context.AddInitScriptAsync(Probe);
        var page = await context.NewPageAsync();
        var cdp = await context.NewCDPSessionAsync(page);
        long bytes = 0;
        cdp.Event("Network.loadingFinished").OnEvent += (_, e) =>
            Interlocked.Add(ref bytes, (long)e!.Value.GetProperty("encodedDataLength").GetDouble());
        cdp.Event("Network.webSocketFrameReceived").OnEvent += (_, e) => Interlocked.Add(ref bytes, FrameLength(e!.Value));
        cdp.Event("Network.webSocketFrameSent").OnEvent += (_, e) => Interlocked.Add(ref bytes, FrameLength(e!.Value));
        await cdp.SendAsync("Network.enable");
        if (network.LatencyMs is { } latency)
        {
            await cdp.SendAsync("Network.emulateNetworkConditions", new Dictionary<string, object>
            {
                ["offline"] = false,
                ["latency"] = latency,
                ["downloadThroughput"] = network.DownloadBytesPerSecond!.Value,
                ["uploadThroughput"] = network.UploadBytesPerSecond!.Value,
            });
        }

        await page.GotoAsync(new Uri(server, "/?feed=bench").ToString(), new() { Timeout = 60_000 });
        await page.WaitForFunctionAsync("() => window.__firstItemPainted !== undefined && window.__live !== undefined", null, new() { Timeout = 60_000 });
        // What the page asks for once it is live (nothing, or the hub's first messages) lands within a moment.
        await page.WaitForTimeoutAsync(network.LatencyMs is null ? 500 : 3000);
        var painted = await page.EvaluateAsync<double>("() => window.__firstItemPainted");
        var live = await page.EvaluateAsync<double>("() => window.__live");
        return new Load(Interlocked.Read(ref bytes), painted, live);
    }

    // A frame's payload as sent: text in UTF-8, binary frames (opcode 2) base64 in the protocol's event.
    private static long FrameLength(JsonElement frame)
    {
        var response = frame.GetProperty("response");
        var payload = response.GetProperty("payloadData").GetString() ?? "";
        return response.GetProperty("opcode").GetDouble() == 2 ? Convert.FromBase64String(payload).LongLength : Encoding.UTF8.GetByteCount(payload);
    }

    // Items as on a news day: a headline, a body of a sentence or two, a tag, some with a link.
    private static async Task SeedAsync(Uri server, string key, int items)
    {
        using var client = new HttpClient { BaseAddress = server };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        for (var i = 1; i <= items; i++)
        {
            using var response = await client.PostAsJsonAsync("/api/feeds/bench/items", new
            {
                headline = $"Update {i}: ministers meet as talks on the border crossing enter a second day",
                body = "Officials say the two sides agreed on the agenda overnight. A joint statement is expected after the afternoon session.",
                priority = i % 7 == 0 ? "flash" : "normal",
                tags = Tags,
                link = i % 3 == 0 ? $"https://news.example/story/{i}" : null,
            });
            response.EnsureSuccessStatusCode();
        }
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string? Option(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }

    private static string DefaultServerDll() =>
        typeof(PageLoadBenchmark).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "LiveFeedServerDll").Value!;
}
