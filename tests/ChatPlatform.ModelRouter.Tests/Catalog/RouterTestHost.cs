using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ChatPlatform.Audit;
using ChatPlatform.Identity;
using ChatPlatform.ModelRouter.Apis;
using ChatPlatform.ModelRouter.Catalog;
using ChatPlatform.ModelRouter.Extensions;
using ChatPlatform.ModelRouter.Model;
using ChatPlatform.Postgres;
using ChatPlatform.Redis;
using ChatPlatform.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ChatPlatform.ModelRouter.Tests.Catalog;

/// <summary>
/// A router with just the catalog and the internal identity wired (not Program.cs, which other features change), on a
/// loopback port, with real PostgreSQL and Redis. Provider settings from the machine's environment are blanked so each
/// test states its own. <see cref="Client"/> acts as an admin (<see cref="AdminId"/>, <see cref="AdminEmail"/>).
/// </summary>
internal sealed class RouterTestHost : IAsyncDisposable
{
    private readonly LoopbackHttpServer _server;

    private RouterTestHost(LoopbackHttpServer server)
    {
        _server = server;
        Client = ClientWith(InternalTokens.Admin(AdminId, AdminEmail));
    }

    public const string AdminEmail = "admin@example.com";

    public Guid AdminId { get; } = Guid.NewGuid();

    public HttpClient Client { get; }

    /// <summary>A client sending <paramref name="authorization"/>, or no credentials when null.</summary>
    public HttpClient ClientWith(System.Net.Http.Headers.AuthenticationHeaderValue? authorization) =>
        new() { BaseAddress = _server.BaseAddress, DefaultRequestHeaders = { Authorization = authorization } };

    public IServiceProvider Services => _server.App.Services;

    public ModelCatalog Catalog => Services.GetRequiredService<ModelCatalog>();

    public static async Task<RouterTestHost> StartAsync(
        string databaseConnectionString, string redisConnectionString, IDictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?>
        {
            ["ConnectionStrings:chatdb"] = databaseConnectionString,
            ["ConnectionStrings:redis"] = redisConnectionString,
            [InternalTokens.Setting] = InternalTokens.Key,
            [DefaultCatalog.OpenAIKeySetting] = "",
            [DefaultCatalog.AnthropicKeySetting] = "",
            [DefaultCatalog.AzureEndpointSetting] = "",
            [DefaultCatalog.AzureKeySetting] = "",
            [DefaultCatalog.AzureDeploymentSetting] = "",
            [DefaultCatalog.CompatibleBaseUrlSetting] = "",
            [DefaultCatalog.CompatibleModelSetting] = "",
            [DefaultCatalog.CompatibleKeySetting] = "",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }
        var cancellationToken = TestContext.Current.CancellationToken;
        var server = await LoopbackHttpServer.StartAsync(
            builder =>
            {
                builder.Configuration.AddInMemoryCollection(all);
                builder.AddServiceDefaults();
                builder.AddInternalAuthentication();
                builder.AddChatDatabase("router", typeof(ModelDefinition).Assembly);
                builder.AddRedis();
                builder.AddModelCatalog();
            },
            app =>
            {
                app.UseProblemDetails();
                app.UseAuthentication();
                app.UseAuthorization();
                app.MapDefaultEndpoints();
                // As Program maps them.
                app.MapGroup("").RequireAuthorization(InternalIdentityExtensions.CallerPolicy).MapModelsApi();
                var admins = app.MapGroup("").RequireAuthorization(InternalIdentityExtensions.AdminPolicy);
                admins.MapAdminCatalogApi();
                admins.MapAdminAuditApi();
            },
            cancellationToken);
        var host = new RouterTestHost(server);
        try
        {
            await host.Catalog.WhenLoadedAsync(cancellationToken).WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
        return host;
    }

    /// <summary>The <c>data</c> of <c>GET /v1/models</c>.</summary>
    public async Task<JsonArray> ListModelsAsync()
    {
        var list = await Client.GetFromJsonAsync<JsonObject>("/v1/models", TestContext.Current.CancellationToken);
        return list!["data"]!.AsArray();
    }

    public async Task<IReadOnlyList<string>> ListedModelIdsAsync() =>
        [.. (await ListModelsAsync()).Select(m => (string)m!["id"]!)];

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _server.DisposeAsync();
    }
}
