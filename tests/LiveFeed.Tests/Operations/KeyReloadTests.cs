using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using LiveFeed.Server.Newsroom;
using TestApi = LiveFeed.Tests.Api.Api;
using LiveFeed.Tests.Infrastructure;

namespace LiveFeed.Tests.Operations;

/// <summary>
/// Rotating a newsroom key without a restart: the server, run as operators run it with its own appsettings.json, reads
/// the keys and scopes again when the file is edited. A malformed edit leaves the last good keys in force and logs an
/// error naming the setting; the server stays up.
/// </summary>
public sealed class KeyReloadTests : IAsyncLifetime
{
    private const string OldKey = "night-desk-key-before-rotation";
    private const string NewKey = "night-desk-key-after-rotation";

    // A file watcher's change reaches the server well within this; the wait ends as soon as it has.
    private static readonly TimeSpan ReloadTimeout = TimeSpan.FromSeconds(20);

    private readonly string _directory = Directory.CreateTempSubdirectory("livefeed-settings-").FullName;
    private readonly LiveFeedProcess _server;

    public KeyReloadTests()
    {
        _server = new LiveFeedProcess(new Dictionary<string, string?>(), ["--contentRoot", _directory]);
    }

    [Fact]
    public async Task AnEditedAppsettingsFileRotatesTheKeyAndItsScopeWithoutARestart()
    {
        WriteSettings(NewsroomKeys.Hash(OldKey), scope: null);
        await _server.StartAsync();
        Assert.Equal(HttpStatusCode.Created, await PublishAsync(OldKey, "anywhere"));

        WriteSettings(NewsroomKeys.Hash(NewKey), scope: "night-*");

        await Eventually.HoldsAsync(async () => await PublishAsync(NewKey, "night-news") == HttpStatusCode.Created, "the new key is accepted", ReloadTimeout);
        Assert.Equal(HttpStatusCode.Unauthorized, await PublishAsync(OldKey, "night-news"));
        Assert.Equal(HttpStatusCode.Forbidden, await PublishAsync(NewKey, "anywhere"));
        using var client = Client(NewKey);
        var me = await client.GetFromJsonAsync<JsonElement>("/api/newsroom/me");
        Assert.Equal("night", me.GetProperty("name").GetString());
        Assert.Equal(["night-*"], me.GetProperty("feeds").EnumerateArray().Select(feed => feed.GetString()));
    }

    [Fact]
    public async Task AMalformedEditKeepsTheLastGoodKeysInForceAndLogsAnErrorNamingTheSetting()
    {
        WriteSettings(NewsroomKeys.Hash(OldKey), scope: "night-*");
        await _server.StartAsync();

        WriteSettings("not-a-sha256", scope: "night-*");
        await Eventually.HoldsAsync(
            () => Task.FromResult(_server.OutputLines.Any(line => line.Contains("Newsroom:ApiKeys:night", StringComparison.Ordinal))),
            "an error naming Newsroom:ApiKeys:night is logged", ReloadTimeout);
        Assert.Equal(HttpStatusCode.Created, await PublishAsync(OldKey, "night-news"));

        WriteSettings(NewsroomKeys.Hash(OldKey), scope: "Night-*");
        await Eventually.HoldsAsync(
            () => Task.FromResult(_server.OutputLines.Any(line => line.Contains("Newsroom:Scopes:night", StringComparison.Ordinal))),
            "an error naming Newsroom:Scopes:night is logged", ReloadTimeout);
        Assert.Equal(HttpStatusCode.Created, await PublishAsync(OldKey, "night-news"));
        Assert.Equal(HttpStatusCode.Forbidden, await PublishAsync(OldKey, "anywhere"));
        using var anonymous = _server.CreateAnonymousClient();
        using var ready = await anonymous.GetAsync(new Uri("/health/ready", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    // xunit 2 disposes a test class through IDisposable or IAsyncLifetime only, never IAsyncDisposable: the server
    // process outlived the run when this was IAsyncDisposable.
    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    // Written whole, in place, as an editor or a configuration management tool does.
    private void WriteSettings(string hash, string? scope)
    {
        var newsroom = new Dictionary<string, object> { ["ApiKeys"] = new Dictionary<string, string> { ["night"] = hash } };
        if (scope is not null)
        {
            newsroom["Scopes"] = new Dictionary<string, string> { ["night"] = scope };
        }

        File.WriteAllText(Path.Combine(_directory, "appsettings.json"), JsonSerializer.Serialize(new { Newsroom = newsroom }));
    }

    private async Task<HttpStatusCode> PublishAsync(string key, string feed)
    {
        using var client = Client(key);
        using var response = await client.PostAsync(new Uri($"/api/feeds/{feed}/items", UriKind.Relative), TestApi.Json("""{"headline":"Overnight"}"""));
        return response.StatusCode;
    }

    private HttpClient Client(string key)
    {
        var client = _server.CreateAnonymousClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }
}
