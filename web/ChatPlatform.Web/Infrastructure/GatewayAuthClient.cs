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
    /// Signs in for the browser at <paramref name="clientAddress"/>, which the gateway throttles failures by, recording the
    /// session's device from <paramref name="userAgent"/>: the tokens, or (for an account with two-factor sign-in) the
    /// challenge to complete with <see cref="CompleteTwoFactorAsync"/>.
    /// </summary>
    public async Task<SignInOutcome> SignInAsync(
        string email, string password, System.Net.IPAddress? clientAddress, CancellationToken cancellationToken, string? userAgent = null)
    {
        using var response = await SendAsync(
            "/v1/auth/signin", new { email, password }, cancellationToken, request => DescribeBrowser(request, clientAddress, userAgent));
        if (response.StatusCode == System.Net.HttpStatusCode.Accepted)
        {
            var challenge = await response.Content.ReadFromJsonAsync<TwoFactorChallenge>(JsonDefaults.Options, cancellationToken);
            return new SignInOutcome(null, challenge?.Challenge ?? throw new GatewayException(502, "The service answered without a challenge."));
        }
        return new SignInOutcome(await ReadTokensAsync(response, cancellationToken), null);
    }

    /// <summary>The second step: the challenge and a code (or a recovery code). Wrong codes are throttled like passwords.</summary>
    public async Task<AuthTokens> CompleteTwoFactorAsync(
        string challenge, string code, System.Net.IPAddress? clientAddress, CancellationToken cancellationToken, string? userAgent = null)
    {
        using var response = await SendAsync(
            "/v1/auth/signin/two-factor", new { challenge, code }, cancellationToken, request => DescribeBrowser(request, clientAddress, userAgent));
        return await ReadTokensAsync(response, cancellationToken);
    }

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
        return await ReadTokensAsync(response, cancellationToken);
    }

    private static async Task<AuthTokens> ReadTokensAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
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
