using System.Security.Claims;
using System.Text.Encodings.Web;
using ChatPlatform.Gateway.Infrastructure;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace ChatPlatform.Gateway.Services;

/// <summary>
/// Authenticates <c>Authorization: Bearer cp_...</c> or <c>x-api-key: cp_...</c> by the key's hash. The identity
/// carries the same claims as an access token, so endpoints need not care which was used.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ApiKeyStore store)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "x-api-key";
    public const string KeyIdClaim = "api_key_id";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (ReadKey(Request) is not { } key)
        {
            return AuthenticateResult.NoResult();
        }
        if (await store.UseAsync(TokenService.Hash(key), Context.RequestAborted) is not { } owner)
        {
            return AuthenticateResult.Fail("The API key is not valid.");
        }
        var identity = new ClaimsIdentity(
            [
                new Claim(GatewayClaims.Subject, owner.User.Id.ToString()),
                new Claim(GatewayClaims.Email, owner.User.Email),
                new Claim(GatewayClaims.Role, owner.User.Role),
                new Claim(GatewayClaims.Tier, owner.User.Tier),
                new Claim(KeyIdClaim, owner.KeyId.ToString()),
            ],
            SchemeName, GatewayClaims.Subject, GatewayClaims.Role);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    /// <summary>Whether the request presents an API key (rather than a JWT), which picks this scheme.</summary>
    public static bool HasKey(HttpRequest request) => ReadKey(request) is not null;

    private static string? ReadKey(HttpRequest request)
    {
        if (request.Headers[HeaderName].ToString() is { Length: > 0 } header)
        {
            return header.Trim();
        }
        var authorization = request.Headers.Authorization.ToString();
        const string bearer = "Bearer ";
        return authorization.StartsWith(bearer, StringComparison.OrdinalIgnoreCase)
            && authorization.AsSpan(bearer.Length).Trim().StartsWith(TokenService.ApiKeyPrefix, StringComparison.Ordinal)
            ? authorization[bearer.Length..].Trim()
            : null;
    }
}
