using ChatPlatform.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ChatPlatform.ServiceDefaults.Tests;

public sealed class ServiceDiscoveryTests
{
    private static IHost BuildClientHost(Uri endpoint, string scheme = "http")
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"services:model-router:{scheme}:0"] = endpoint.ToString(),
        });
        builder.AddServiceDefaults();
        return builder.Build();
    }

    [Fact]
    public async Task Service_name_in_base_address_resolves_to_the_configured_endpoint()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await LoopbackHttpServer.StartAsync(app => app.MapGet("/whoami", () => "model-router"), ct);
        using var host = BuildClientHost(server.BaseAddress);
        var client = host.Services.GetRequiredService<IHttpClientFactory>().CreateClient();

        var answer = await client.GetStringAsync(new Uri("http://model-router/whoami"), ct);

        Assert.Equal("model-router", answer);
    }

    [Fact]
    public async Task Https_plus_http_scheme_falls_back_to_the_http_endpoint()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await LoopbackHttpServer.StartAsync(app => app.MapGet("/whoami", () => "model-router"), ct);
        using var host = BuildClientHost(server.BaseAddress);
        var client = host.Services.GetRequiredService<IHttpClientFactory>().CreateClient();

        var answer = await client.GetStringAsync(new Uri("https+http://model-router/whoami"), ct);

        Assert.Equal("model-router", answer);
    }
}
