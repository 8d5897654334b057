using System.Collections.Concurrent;
using ChatPlatform.Billing.Model;
using ChatPlatform.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ChatPlatform.Billing.Tests;

/// <summary>
/// The router's <c>GET /v1/models</c> over real HTTP, with prices the test sets and changes; it counts the calls and
/// refuses any without a valid internal token, as the router does.
/// </summary>
public sealed class FakeModelRouter : IAsyncDisposable
{
    private LoopbackHttpServer? _server;

    public ConcurrentDictionary<string, ModelPrice> Prices { get; } = new(StringComparer.Ordinal);

    public int Calls => _calls;

    private int _calls;

    /// <summary>While true, the router answers 503.</summary>
    public bool Down { get; set; }

    public string Address => _server!.BaseAddress.ToString().TrimEnd('/');

    public static async Task<FakeModelRouter> StartAsync()
    {
        var router = new FakeModelRouter();
        router._server = await LoopbackHttpServer.StartAsync(routes => routes.MapGet("/v1/models", async (HttpContext context) =>
        {
            Interlocked.Increment(ref router._calls);
            if (await InternalTokens.ValidateAsync(context.Request.Headers.Authorization.ToString()) is null)
            {
                return Results.Unauthorized();
            }
            if (router.Down)
            {
                return Results.StatusCode(503);
            }
            return Results.Json(new
            {
                @object = "list",
                data = router.Prices.Select(p => new
                {
                    id = p.Key,
                    @object = "model",
                    pricing = new { input_per_million = p.Value.InputPerMillion, cached_input_per_million = p.Value.CachedInputPerMillion, output_per_million = p.Value.OutputPerMillion },
                }),
            });
        }), TestContext.Current.CancellationToken);
        return router;
    }

    public ValueTask DisposeAsync() => _server!.DisposeAsync();
}
