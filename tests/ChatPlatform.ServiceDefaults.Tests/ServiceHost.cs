using ChatPlatform.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace ChatPlatform.ServiceDefaults.Tests;

/// <summary>A service built the way every ChatPlatform service is (AddServiceDefaults), on a real loopback port.</summary>
internal sealed class ServiceHost : IAsyncDisposable
{
    private readonly LoopbackHttpServer _server;

    private ServiceHost(LoopbackHttpServer server)
    {
        _server = server;
        Client = new HttpClient { BaseAddress = server.BaseAddress };
    }

    public HttpClient Client { get; }

    public static async Task<ServiceHost> StartAsync(
        Action<WebApplicationBuilder>? configure, Action<WebApplication> map, IDictionary<string, string?>? settings = null)
    {
        var server = await LoopbackHttpServer.StartAsync(
            builder =>
            {
                builder.Configuration.AddInMemoryCollection(settings ?? new Dictionary<string, string?>());
                builder.AddServiceDefaults();
                configure?.Invoke(builder);
            },
            app =>
            {
                app.UseProblemDetails();
                app.MapDefaultEndpoints();
                map(app);
            },
            TestContext.Current.CancellationToken);
        return new ServiceHost(server);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _server.DisposeAsync();
    }
}
