using System.Net.Http.Json;
using ChatPlatform.Web.Model;

namespace ChatPlatform.Web.Infrastructure;

/// <summary>The gateway's <c>/v1/auth</c> endpoints: the only calls made without an access token.</summary>
public sealed class GatewayAuthClient(HttpClient http)
{
    public Task<AuthTokens> RegisterAsync(string email, string password, CancellationToken cancellationToken) =>
        PostAsync("/v1/auth/register", new { email, password }, cancellationToken);

    public Task<AuthTokens> SignInAsync(string email, string password, CancellationToken cancellationToken) =>
        PostAsync("/v1/auth/signin", new { email, password }, cancellationToken);

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

    private async Task<AuthTokens> PostAsync(string path, object body, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(path, body, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw await GatewayException.FromResponseAsync(response, cancellationToken);
        }
        return await response.Content.ReadFromJsonAsync<AuthTokens>(JsonDefaults.Options, cancellationToken)
            ?? throw new GatewayException(502, "The service answered without tokens.");
    }

    private async Task<HttpResponseMessage> SendAsync(string path, object body, CancellationToken cancellationToken)
    {
        try
        {
            return await http.PostAsJsonAsync(path, body, JsonDefaults.Options, cancellationToken);
        }
        catch (Exception e) when (GatewayException.IsTransportFailure(e))
        {
            throw GatewayException.Unreachable();
        }
    }
}
