using System.Net.Http.Json;
using ChatPlatform.Web.Model;
using Microsoft.Extensions.Options;

namespace ChatPlatform.Web.Infrastructure;

/// <summary>The gateway's <c>/v1/auth</c> endpoints: the only calls made without an access token.</summary>
public sealed class GatewayAuthClient(HttpClient http, IOptions<WebClientOptions> options)
{
    // Read by the gateway only with the key beside it (ChatPlatform.Gateway's ClientAddress).
    internal const string AddressHeader = "X-Web-Client-Address";
    internal const string KeyHeader = "X-Web-Client-Key";

    /// <summary>The browser's User-Agent, which the gateway's sessions list shows the device by.</summary>
    internal const string UserAgentHeader = "X-Web-Client-User-Agent";

    public Task<AuthTokens> RegisterAsync(
        string email, string password, CancellationToken cancellationToken, System.Net.IPAddress? clientAddress = null, string? userAgent = null) =>
        PostAsync("/v1/auth/register", new { email, password }, cancellationToken, request => DescribeBrowser(request, clientAddress, userAgent));

    /// <summary>
    /// Signs in for the browser at <paramref name="clientAddress"/>, which the gateway throttles failures by, and records
    /// the session's device from <paramref name="userAgent"/>.
    /// </summary>
    public Task<AuthTokens> SignInAsync(
        string email, string password, System.Net.IPAddress? clientAddress, CancellationToken cancellationToken, string? userAgent = null) =>
        PostAsync("/v1/auth/signin", new { email, password }, cancellationToken, request => DescribeBrowser(request, clientAddress, userAgent));

    private void DescribeBrowser(HttpRequestMessage request, System.Net.IPAddress? clientAddress, string? userAgent)
    {
        if (options.Value.WebClientKey is not { Length: > 0 } key || clientAddress is null)
        {
            return;
        }
        request.Headers.TryAddWithoutValidation(AddressHeader, clientAddress.ToString());
        request.Headers.TryAddWithoutValidation(KeyHeader, key);
        if (!string.IsNullOrWhiteSpace(userAgent))
        {
            request.Headers.TryAddWithoutValidation(UserAgentHeader, userAgent);
        }
    }

    public Task<AuthTokens> RefreshAsync(string refreshToken, CancellationToken cancellationToken) =>
        PostAsync("/v1/auth/refresh", new { refreshToken }, cancellationToken);

    public async Task SignOutAsync(string refreshToken, CancellationToken cancellationToken)
    {
        using var response = await SendAsync("/v1/auth/signout", new { refreshToken }, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw await GatewayException.FromResponseAsync(response, cancellationToken);
        }
    }

    private async Task<AuthTokens> PostAsync(string path, object body, CancellationToken cancellationToken, Action<HttpRequestMessage>? prepare = null)
    {
        using var response = await SendAsync(path, body, cancellationToken, prepare);
        if (!response.IsSuccessStatusCode)
        {
            throw await GatewayException.FromResponseAsync(response, cancellationToken);
        }
        return await response.Content.ReadFromJsonAsync<AuthTokens>(JsonDefaults.Options, cancellationToken)
            ?? throw new GatewayException(502, "The service answered without tokens.");
    }

    private async Task<HttpResponseMessage> SendAsync(string path, object body, CancellationToken cancellationToken, Action<HttpRequestMessage>? prepare = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body, options: JsonDefaults.Options) };
        prepare?.Invoke(request);
        try
        {
            return await http.SendAsync(request, cancellationToken);
        }
        catch (Exception e) when (GatewayException.IsTransportFailure(e))
        {
            throw GatewayException.Unreachable();
        }
    }
}
