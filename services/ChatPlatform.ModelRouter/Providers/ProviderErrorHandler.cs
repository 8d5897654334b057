using ChatPlatform.ModelRouter.Model;

namespace ChatPlatform.ModelRouter.Providers;

/// <summary>
/// Turns a provider's error answer into a <see cref="ProviderException"/> right at the HTTP layer, for SDKs whose
/// exceptions drop the response headers (Anthropic's keep the status and body but not Retry-After).
/// </summary>
internal sealed class ProviderErrorHandler(ProviderKind provider) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            throw ProviderErrors.FromResponse((int)response.StatusCode, response.Headers, body, provider);
        }
    }
}
