using ChatPlatform.ModelRouter.Catalog;
using ChatPlatform.ModelRouter.Routing;
using ChatPlatform.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace ChatPlatform.Gateway.Tests;

/// <summary>
/// The real model router (its Program, its own database) on Kestrel, answering from its simulated catalog
/// (<c>sim-fast</c>): no provider keys are configured, so nothing leaves the machine.
/// </summary>
internal sealed class ModelRouterHost : WebApplicationFactory<ChatRouter>
{
    private readonly string _database;
    private readonly string _redis;

    private ModelRouterHost(string database, string redis)
    {
        _database = database;
        _redis = redis;
    }

    public string Address { get; private set; } = "";

    public static async Task<ModelRouterHost> StartAsync(PostgresFixture postgres, RedisFixture redis)
    {
        var host = new ModelRouterHost(await postgres.CreateDatabaseAsync(TestContext.Current.CancellationToken), redis.ConnectionString);
        host.UseKestrel(0);
        host.StartServer();
        host.Address = host.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        await host.Services.GetRequiredService<ModelCatalog>().WhenLoadedAsync(TestContext.Current.CancellationToken)
            .WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        return host;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("ConnectionStrings:chatdb", _database);
        builder.UseSetting("ConnectionStrings:redis", _redis);
        builder.UseSetting(InternalTokens.Setting, InternalTokens.Key);
        foreach (var setting in new[]
        {
            DefaultCatalog.OpenAIKeySetting, DefaultCatalog.AnthropicKeySetting, DefaultCatalog.AzureEndpointSetting,
            DefaultCatalog.AzureKeySetting, DefaultCatalog.AzureDeploymentSetting, DefaultCatalog.CompatibleBaseUrlSetting,
            DefaultCatalog.CompatibleModelSetting, DefaultCatalog.CompatibleKeySetting,
        })
        {
            builder.UseSetting(setting, "");
        }
    }
}
