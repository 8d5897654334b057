using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ChatPlatform.Bench;

/// <summary>
/// The floor for any .NET gateway on this machine: Kestrel and one HttpClient copying the provider's bytes through,
/// parsing nothing. The router benchmark runs it as a separate process, measured beside the router, so that the
/// router's added latency can be read against what one HTTP hop in .NET costs here at all.
/// </summary>
public static class BareForwarder
{
    public const string Command = "bare-forwarder";

    public const string ProviderUrlVariable = "BARE_FORWARDER_PROVIDER_URL";

    public static async Task RunAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var provider = new Uri(Environment.GetEnvironmentVariable(ProviderUrlVariable)
            ?? throw new InvalidOperationException($"{ProviderUrlVariable} is not set."));
        using var client = new HttpClient(new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        app.MapGet("/health", () => "Healthy");
        app.MapPost("/v1/chat/completions", async (HttpContext context) =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, provider) { Content = new StreamContent(context.Request.Body) };
            request.Content.Headers.ContentType = new("application/json");
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
            context.Response.StatusCode = (int)response.StatusCode;
            context.Response.ContentType = response.Content.Headers.ContentType?.ToString();
            await using var body = await response.Content.ReadAsStreamAsync(context.RequestAborted);
            var buffer = new byte[8192];
            int read;
            while ((read = await body.ReadAsync(buffer, context.RequestAborted)) > 0)
            {
                await context.Response.Body.WriteAsync(buffer.AsMemory(0, read), context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
            }
        });
        await app.RunAsync();
    }
}
