using System.IO.Compression;
using System.Net;
using System.Security.Claims;
using System.Text.Json.Nodes;
using ChatPlatform.Gateway.Infrastructure;
using ChatPlatform.Gateway.Model;

namespace ChatPlatform.Gateway.Services.Export;

/// <summary>
/// The calls one export makes to the services, each acting for the user the export is for (a fresh internal token per
/// call: an export of many files outlives one token). Answers are streamed into the zip, never held whole.
/// </summary>
public sealed class ExportSession(ClaimsPrincipal principal, User user, UpstreamClient upstream)
{
    public User User { get; } = user;

    /// <summary>The JSON an upstream answers; <see cref="ExportFailedException"/> for anything but success.</summary>
    public async Task<JsonNode> GetJsonAsync(string service, string pathAndQuery, CancellationToken cancellationToken)
    {
        using var invoker = upstream.CreateInvoker(service);
        using var response = await SendAsync(invoker, service, pathAndQuery, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new ExportFailedException(service, (int)response.StatusCode);
        }
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        return await JsonNode.ParseAsync(body, cancellationToken: cancellationToken) ?? throw new ExportFailedException(service, 200);
    }

    /// <summary>
    /// Streams an upstream's answer into a new entry <paramref name="entryName"/>; false, with no entry, when the upstream
    /// answers one of <paramref name="absent"/> (what went away while the export ran).
    /// </summary>
    public async Task<bool> CopyToEntryAsync(
        ZipArchive zip, string entryName, string service, string pathAndQuery, CancellationToken cancellationToken, params HttpStatusCode[] absent)
    {
        using var invoker = upstream.CreateInvoker(service);
        using var response = await SendAsync(invoker, service, pathAndQuery, cancellationToken);
        if (absent.Contains(response.StatusCode))
        {
            return false;
        }
        if (!response.IsSuccessStatusCode)
        {
            throw new ExportFailedException(service, (int)response.StatusCode);
        }
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        await using var entry = await zip.CreateEntry(entryName, CompressionLevel.Fastest).OpenAsync(cancellationToken);
        await body.CopyToAsync(entry, cancellationToken);
        return true;
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMessageInvoker invoker, string service, string pathAndQuery, CancellationToken cancellationToken)
    {
        using var request = upstream.CreateRequest(service, HttpMethod.Get, pathAndQuery);
        request.Headers.Authorization = UpstreamClient.Bearer(upstream.InternalTokenFor(principal)!);
        try
        {
            return await invoker.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new ExportFailedException(service, 0, e);
        }
    }
}

/// <summary>A service could not give its part: the zip would be incomplete, so the download is cut rather than finished.</summary>
public sealed class ExportFailedException(string service, int status, Exception? inner = null)
    : Exception($"{service} answered {status} during an export.", inner)
{
    public string Service { get; } = service;

    public int Status { get; } = status;
}
