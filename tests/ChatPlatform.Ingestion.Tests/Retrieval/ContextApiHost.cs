using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ChatPlatform.Identity;
using ChatPlatform.Ingestion.Apis;
using ChatPlatform.Ingestion.Infrastructure;
using ChatPlatform.Ingestion.Retrieval;
using ChatPlatform.Postgres;
using ChatPlatform.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace ChatPlatform.Ingestion.Tests.Retrieval;

/// <summary>
/// Ingestion's context endpoint wired as the service wires it (internal authentication, the shared database with its
/// migrations and pgvector plugin, blob storage, <c>AddRetrieval</c>) on a fresh database, in memory.
/// </summary>
public sealed class ContextApiHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ContextApiHost(WebApplication app, RetrievalDatabase database)
    {
        _app = app;
        Database = database;
    }

    public RetrievalDatabase Database { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<ContextApiHost> StartAsync(PostgresFixture postgres, AzuriteFixture azurite, CancellationToken cancellationToken)
    {
        var connectionString = await postgres.CreateDatabaseAsync(cancellationToken);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Development });
        builder.WebHost.UseTestServer();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"ConnectionStrings:{ChatDatabaseExtensions.ConnectionStringName}"] = connectionString,
            ["ConnectionStrings:blobs"] = azurite.ConnectionString,
            [InternalTokens.Setting] = InternalTokens.Key,
        });
        builder.AddServiceDefaults();
        builder.AddInternalAuthentication();
        builder.AddChatDatabase("ingestion", typeof(FileContextApi).Assembly);
        builder.AddBlobServiceClient("blobs");
        builder.AddRetrieval();
        var app = builder.Build();
        app.UseProblemDetails();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapFileContextApi();
        app.MapEmbeddingsApi();
        // Migrations run here, on an empty database: the data source loads its types before pgvector exists.
        await app.StartAsync(cancellationToken);
        return new ContextApiHost(app, await RetrievalDatabase.OpenAsync(connectionString, cancellationToken));
    }

    public HttpClient Client(System.Net.Http.Headers.AuthenticationHeaderValue? authorization)
    {
        var client = _app.GetTestClient();
        client.DefaultRequestHeaders.Authorization = authorization;
        return client;
    }

    /// <summary>Posts <paramref name="body"/> to the context endpoint as chat would, acting for <paramref name="userId"/>.</summary>
    public async Task<HttpResponseMessage> PostContextAsync(Guid userId, object body, CancellationToken cancellationToken)
    {
        using var client = Client(InternalTokens.Service(userId));
        return await client.PostAsJsonAsync("/v1/files/context", body, cancellationToken);
    }

    public static async Task<JsonNode> ReadJsonAsync(HttpResponseMessage response, CancellationToken cancellationToken) =>
        (await response.Content.ReadFromJsonAsync<JsonNode>(cancellationToken))!;

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        await Database.DisposeAsync();
    }
}
