using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ChatPlatform.Testing;

/// <summary>
/// A real Kestrel server on a free loopback port, for tests that need a real HTTP peer (fake providers,
/// failing downstream services, a service built with its defaults): the wiring and routes are the test's own.
/// </summary>
public sealed class LoopbackHttpServer : IAsyncDisposable
{
    private LoopbackHttpServer(WebApplication app, Uri baseAddress)
    {
        App = app;
        BaseAddress = baseAddress;
    }

    public WebApplication App { get; }

    public Uri BaseAddress { get; }

    public static Task<LoopbackHttpServer> StartAsync(Action<IEndpointRouteBuilder> mapRoutes, CancellationToken cancellationToken = default) =>
        StartAsync(configureBuilder: null, app => mapRoutes(app), cancellationToken);

    public static async Task<LoopbackHttpServer> StartAsync(
        Action<WebApplicationBuilder>? configureBuilder, Action<WebApplication> configureApp, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        configureBuilder?.Invoke(builder);
        var app = builder.Build();
        configureApp(app);
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new LoopbackHttpServer(app, new Uri(address));
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
