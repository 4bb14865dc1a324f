using LiveFeed.Server.Newsroom;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace LiveFeed.Server.ApiDocs;

/// <summary>
/// The API's description for people and tools: the OpenAPI document at <c>/openapi/v1.json</c> (built
/// from the routes, their typed results and their metadata in <c>FeedsApi</c>) and the Scalar page at <c>/docs</c>.
/// </summary>
internal static class ApiDocsHosting
{
    /// <summary>The security scheme of newsroom writes: <c>Authorization: Bearer &lt;newsroom key&gt;</c>.</summary>
    public const string NewsroomScheme = "NewsroomKey";

    public static IHostApplicationBuilder AddApiDocs(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOpenApi(options =>
        {
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "LiveFeed";
                document.Info.Description = "Live news feeds: public reads, newsroom writes with a bearer key, readers on the SignalR hub /hubs/feed. See docs/contract.md.";
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes[NewsroomScheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    Description = "A newsroom key, as `Authorization: Bearer <key>`. The server keeps only its SHA-256 (Newsroom:ApiKeys:{name}).",
                };
                AddHealthEndpoints(document);

                // Every GET answers HEAD too, as HTTP asks (Hosting/HeadRequests): the document describes the GET alone,
                // so that each operation, and its operationId, is there once.
                foreach (var path in document.Paths.Values.OfType<OpenApiPathItem>())
                {
                    path.Operations?.Remove(HttpMethod.Head);
                }

                return Task.CompletedTask;
            });

            // Writes (every endpoint that requires authorization) need the newsroom key.
            options.AddOperationTransformer((operation, context, _) =>
            {
                if (context.Description.ActionDescriptor.EndpointMetadata.OfType<IAuthorizeData>().Any(a => a.Policy == NewsroomKeyAuthenticationHandler.Policy))
                {
                    operation.Security ??= [];
                    operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(NewsroomScheme, context.Document)] = [] });
                }

                if (context.Description.HttpMethod == "POST" && context.Description.RelativePath == "api/feeds/{feed}/items")
                {
                    operation.Parameters ??= [];
                    operation.Parameters.Add(new OpenApiParameter
                    {
                        Name = "Idempotency-Key",
                        In = ParameterLocation.Header,
                        Description = "1 to 128 visible ASCII characters. A retry with the same key on the same feed within 24 hours answers the original item and makes no new event.",
                        Schema = new OpenApiSchema { Type = JsonSchemaType.String, MinLength = 1, MaxLength = 128 },
                    });
                }

                return Task.CompletedTask;
            });
        });
        return builder;
    }

    public static WebApplication MapApiDocs(this WebApplication app)
    {
        app.MapOpenApi("/openapi/{documentName}.json");
        // Everything from this server (the system's fonts, not Scalar's CDN): the page's policy allows nothing else.
        app.MapScalarApiReference("/docs", options => options
            .WithTitle("LiveFeed API")
            .DisableDefaultFonts()
            .WithOpenApiRoutePattern("/openapi/{documentName}.json"));
        return app;
    }

    /// <summary>
    /// Describes a JSON request body of type <typeparamref name="T"/> in the document only, for a handler that
    /// reads its body itself.
    /// </summary>
    public static RouteHandlerBuilder WithJsonBody<T>(this RouteHandlerBuilder endpoint) =>
        endpoint.AddOpenApiOperationTransformer(async (operation, context, cancellationToken) =>
        {
            var schema = await context.GetOrCreateSchemaAsync(typeof(T), null, cancellationToken);
            context.Document!.AddComponent(typeof(T).Name, schema);
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["application/json"] = new OpenApiMediaType { Schema = new OpenApiSchemaReference(typeof(T).Name, context.Document) },
                },
            };
        });

    // The health endpoints are not route handlers, so the API explorer does not see them.
    private static void AddHealthEndpoints(OpenApiDocument document)
    {
        document.Paths ??= [];
        document.Tags ??= new HashSet<OpenApiTag>();
        document.Tags.Add(new OpenApiTag { Name = "Health", Description = "For load balancers and orchestrators." });
        AddHealth(document, "/health/live", "Liveness: the process answers.", includeUnhealthy: false);
        AddHealth(document, "/health/ready", "Readiness: the process and its feed store (Redis, when configured) answer.", includeUnhealthy: true);
    }

    private static void AddHealth(OpenApiDocument document, string path, string summary, bool includeUnhealthy)
    {
        var responses = new OpenApiResponses
        {
            ["200"] = new OpenApiResponse { Description = "Healthy", Content = PlainText() },
        };
        if (includeUnhealthy)
        {
            responses["503"] = new OpenApiResponse { Description = "Unhealthy: the feed store cannot be reached", Content = PlainText() };
        }

        document.Paths[path] = new OpenApiPathItem
        {
            Operations = new Dictionary<HttpMethod, OpenApiOperation>
            {
                [HttpMethod.Get] = new OpenApiOperation { Summary = summary, Tags = new HashSet<OpenApiTagReference> { new("Health", document) }, Responses = responses },
            },
        };
    }

    private static Dictionary<string, OpenApiMediaType> PlainText() => new()
    {
        ["text/plain"] = new OpenApiMediaType { Schema = new OpenApiSchema { Type = JsonSchemaType.String } },
    };
}
