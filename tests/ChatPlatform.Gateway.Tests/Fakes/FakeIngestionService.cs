using System.Collections.Concurrent;
using System.Security.Cryptography;
using ChatPlatform.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;

namespace ChatPlatform.Gateway.Tests.Fakes;

/// <summary>
/// A files request as the fake ingestion service received it: the subjects and tiers of a valid internal token (none
/// without one), whether any client credential came through, and the body's length and SHA-256, read as it streamed.
/// </summary>
internal sealed record ReceivedFileRequest(
    string Method, string PathAndQuery, string[] UserIds, string[] Tiers, bool HadCredentials, string? ContentType, long BodyLength, string BodySha256);

/// <summary>Ingestion's side of <c>/v1/files/**</c> over real HTTP: records every call and answers 200 with what it saw.</summary>
internal sealed class FakeIngestionService : IAsyncDisposable
{
    private FakeIngestionService(LoopbackHttpServer server) => Server = server;

    public LoopbackHttpServer Server { get; }

    public ConcurrentQueue<ReceivedFileRequest> Requests { get; } = new();

    public string Address => Server.BaseAddress.ToString().TrimEnd('/');

    public static async Task<FakeIngestionService> StartAsync()
    {
        FakeIngestionService? fake = null;
        var server = await LoopbackHttpServer.StartAsync(routes =>
            routes.Map("/v1/files/{**path}", (HttpContext context) => fake!.RecordAsync(context)), TestContext.Current.CancellationToken);
        fake = new FakeIngestionService(server);
        return fake;
    }

    private async Task RecordAsync(HttpContext context)
    {
        // Like ingestion, which allows the largest file rather than Kestrel's 30 MB default.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = null;
        }
        var caller = await InternalTokens.ValidateAsync(context.Request.Headers.Authorization.ToString());
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[81920];
        long length = 0;
        int read;
        while ((read = await context.Request.Body.ReadAsync(buffer, context.RequestAborted)) > 0)
        {
            sha.AppendData(buffer, 0, read);
            length += read;
        }
        var received = new ReceivedFileRequest(
            context.Request.Method,
            $"{context.Request.Path}{context.Request.QueryString}",
            [.. caller?.FindAll("sub").Select(c => c.Value) ?? []],
            [.. caller?.FindAll("tier").Select(c => c.Value) ?? []],
            (caller is null && context.Request.Headers.ContainsKey("Authorization")) || context.Request.Headers.ContainsKey("x-api-key")
                || context.Request.Headers.ContainsKey("X-User-Id") || context.Request.Headers.ContainsKey("Cookie"),
            context.Request.ContentType,
            length,
            Convert.ToHexStringLower(sha.GetHashAndReset()));
        Requests.Enqueue(received);
        await context.Response.WriteAsJsonAsync(received, context.RequestAborted);
    }

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}
