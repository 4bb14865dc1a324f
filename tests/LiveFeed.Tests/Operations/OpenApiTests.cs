using System.Net;
using System.Text.Json;
using LiveFeed.Tests.Api;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace LiveFeed.Tests.Operations;

/// <summary>The OpenAPI document at <c>/openapi/v1.json</c> describes the contract's HTTP API, and <c>/docs</c> shows it.</summary>
public sealed class OpenApiTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>
{
    /// <summary>Every request of docs/contract.md's HTTP API table, with the status codes it may answer.</summary>
    public static TheoryData<string, string, string[], bool> ContractEndpoints => new()
    {
        // Writes: the table's codes plus the rules every write follows (400, 401, 403 outside the key's scope, 413, 415, 503).
        { "post", "/api/feeds/{feed}/items", ["201", "202", "400", "401", "403", "413", "415", "503"], true },
        { "put", "/api/feeds/{feed}/items/{id}", ["200", "400", "401", "403", "404", "409", "412", "413", "415", "503"], true },
        { "delete", "/api/feeds/{feed}/items/{id}", ["204", "400", "401", "403", "404", "412", "503"], true },
        // v2: scheduled items (202 above, with publishAt).
        { "get", "/api/feeds/{feed}/scheduled", ["200", "400", "401", "503"], true },
        { "get", "/api/feeds/{feed}/scheduled/{id}", ["200", "400", "401", "404", "503"], true },
        { "put", "/api/feeds/{feed}/scheduled/{id}", ["200", "400", "401", "403", "404", "413", "415", "503"], true },
        { "delete", "/api/feeds/{feed}/scheduled/{id}", ["204", "400", "401", "403", "404", "503"], true },
        // v2: the key's name and scope.
        { "get", "/api/newsroom/me", ["200", "401"], true },
        { "get", "/api/feeds/{feed}/items/{id}/history", ["200", "400", "401", "404", "503"], true },
        { "get", "/api/feeds/{feed}/audience", ["200", "400", "401", "503"], true },
        // Reads: 400 for a bad feed name or query, 503 when the store cannot be reached.
        { "get", "/api/feeds/{feed}/items", ["200", "400", "503"], false },
        { "get", "/api/feeds/{feed}/items/{id}", ["200", "400", "404", "503"], false },
        { "get", "/api/feeds/{feed}/events", ["200", "400", "503"], false },
        { "get", "/api/feeds", ["200", "503"], false },
        { "get", "/health/live", ["200"], false },
        { "get", "/health/ready", ["200", "503"], false },
    };

    [Theory]
    [MemberData(nameof(ContractEndpoints))]
    public async Task EveryContractEndpointIsInTheDocumentWithItsStatusCodesAndWritesRequireTheBearerScheme(string method, string path, string[] statuses, bool write)
    {
        using var document = await DocumentAsync();

        Assert.True(document.RootElement.GetProperty("paths").TryGetProperty(path, out var item), $"{path} is not in the document.");
        Assert.True(item.TryGetProperty(method, out var operation), $"{method.ToUpperInvariant()} {path} is not in the document.");
        Assert.Equal(statuses.Order(), operation.GetProperty("responses").EnumerateObject().Select(r => r.Name).Order());

        var security = operation.TryGetProperty("security", out var requirements)
            ? requirements.EnumerateArray().SelectMany(r => r.EnumerateObject().Select(s => s.Name)).ToList()
            : [];
        Assert.Equal(write ? ["NewsroomKey"] : [], security);
    }

    [Fact]
    public async Task TheBearerSchemeIsDeclaredAndBodiesAndAnswersNameTheContractTypes()
    {
        using var document = await DocumentAsync();
        var root = document.RootElement;

        var scheme = root.GetProperty("components").GetProperty("securitySchemes").GetProperty("NewsroomKey");
        Assert.Equal("http", scheme.GetProperty("type").GetString());
        Assert.Equal("bearer", scheme.GetProperty("scheme").GetString());

        var paths = root.GetProperty("paths");
        Assert.Equal("#/components/schemas/ItemRequest", JsonBodyRef(paths.GetProperty("/api/feeds/{feed}/items").GetProperty("post").GetProperty("requestBody")));
        Assert.Equal("#/components/schemas/ItemRequest", JsonBodyRef(paths.GetProperty("/api/feeds/{feed}/items/{id}").GetProperty("put").GetProperty("requestBody")));
        Assert.Equal("#/components/schemas/FeedItem", ResponseRef(paths, "/api/feeds/{feed}/items", "post", "201"));
        Assert.Equal("#/components/schemas/ScheduledItem", ResponseRef(paths, "/api/feeds/{feed}/items", "post", "202"));
        Assert.Equal("#/components/schemas/ScheduledItemsPage", ResponseRef(paths, "/api/feeds/{feed}/scheduled", "get", "200"));
        Assert.Equal("#/components/schemas/ItemRequest", JsonBodyRef(paths.GetProperty("/api/feeds/{feed}/scheduled/{id}").GetProperty("put").GetProperty("requestBody")));
        Assert.Equal("#/components/schemas/FeedItem", ResponseRef(paths, "/api/feeds/{feed}/items/{id}", "get", "200"));
        Assert.Equal("#/components/schemas/FeedItem", ResponseRef(paths, "/api/feeds/{feed}/items/{id}", "put", "200"));
        Assert.Equal("#/components/schemas/ItemsPage", ResponseRef(paths, "/api/feeds/{feed}/items", "get", "200"));
        Assert.Equal("#/components/schemas/FeedPage", ResponseRef(paths, "/api/feeds/{feed}/events", "get", "200"));
        Assert.Equal("#/components/schemas/HttpValidationProblemDetails", ResponseRef(paths, "/api/feeds/{feed}/items", "post", "400", "application/problem+json"));
        Assert.Equal("#/components/schemas/ProblemDetails", ResponseRef(paths, "/api/feeds/{feed}/items/{id}", "put", "409", "application/problem+json"));

        var post = paths.GetProperty("/api/feeds/{feed}/items").GetProperty("post");
        Assert.Contains(post.GetProperty("parameters").EnumerateArray(), p => p.GetProperty("name").GetString() == "Idempotency-Key" && p.GetProperty("in").GetString() == "header");
    }

    [Fact]
    public async Task EveryApiRouteTheServerMapsIsInTheDocument()
    {
        using var document = await DocumentAsync();
        var paths = document.RootElement.GetProperty("paths");
        var routes = fixture.Server.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/", StringComparison.Ordinal) == true)
            .SelectMany(e => e.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods.Select(m => (Method: m.ToLowerInvariant(), Path: e.RoutePattern.RawText!.TrimEnd('/'))))
            .ToList();

        Assert.NotEmpty(routes);
        // Every GET answers HEAD too (as HTTP asks); the document describes the GET once.
        Assert.Contains(routes, route => route.Method == "head");
        Assert.All(routes.Where(route => route.Method != "head"), route => Assert.True(
            paths.TryGetProperty(route.Path, out var item) && item.TryGetProperty(route.Method, out _),
            $"{route.Method.ToUpperInvariant()} {route.Path} is mapped but not in the document."));
        var operations = paths.EnumerateObject().SelectMany(path => path.Value.EnumerateObject()).ToList();
        Assert.DoesNotContain(operations, operation => operation.Name == "head");
        var operationIds = operations.Select(operation => operation.Value.TryGetProperty("operationId", out var id) ? id.GetString() : null).OfType<string>().ToList();
        Assert.Equal(operationIds.Distinct(), operationIds);
    }

    [Fact]
    public async Task TheDocsPageIsScalarReadingTheDocument()
    {
        using var response = await fixture.Anonymous.GetAsync(new Uri("/docs/", UriKind.Relative));
        var page = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("scalar", page, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("openapi/v1.json", page, StringComparison.Ordinal);

        // Its script is served by the server itself: the page works without reaching the internet.
        using var script = await fixture.Anonymous.GetAsync(new Uri("/docs/scalar.js", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
    }

    private async Task<JsonDocument> DocumentAsync()
    {
        using var response = await fixture.Anonymous.GetAsync(new Uri("/openapi/v1.json", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync());
    }

    private static string? JsonBodyRef(JsonElement body, string mediaType = "application/json") =>
        body.GetProperty("content").GetProperty(mediaType).GetProperty("schema").GetProperty("$ref").GetString();

    private static string? ResponseRef(JsonElement paths, string path, string method, string status, string mediaType = "application/json") =>
        JsonBodyRef(paths.GetProperty(path).GetProperty(method).GetProperty("responses").GetProperty(status), mediaType);
}
