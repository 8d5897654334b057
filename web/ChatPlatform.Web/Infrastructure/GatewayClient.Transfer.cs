using System.Net.Http.Headers;
using System.Net.Http.Json;
using ChatPlatform.Web.Model;

namespace ChatPlatform.Web.Infrastructure;

public sealed partial class GatewayClient
{
    /// <summary>
    /// Imports our JSON, our export zip or ChatGPT's <c>conversations.json</c> (docs/conversations.md, Import): all of it
    /// or, with a <see cref="GatewayException"/> saying why, none. <paramref name="model"/>: what ChatGPT's continue on.
    /// </summary>
    public async Task<ImportResult> ImportConversationsAsync(Stream file, long? length, string? model, CancellationToken cancellationToken)
    {
        using var content = new StreamContent(file);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        content.Headers.ContentLength = length;
        var path = "/v1/conversations/import" + (string.IsNullOrEmpty(model) ? "" : $"?model={Uri.EscapeDataString(model)}");
        // The file client: no attempt timeout to cut a large file's upload, and a body that is never sent twice.
        using var response = await SendRawAsync(GatewayFileTransfer.HttpClientName, HttpMethod.Post, path, content, null, cancellationToken);
        return await response.Content.ReadFromJsonAsync<ImportResult>(JsonDefaults.Options, cancellationToken)
            ?? throw new GatewayException(502, "The service gave an empty answer.");
    }
}
