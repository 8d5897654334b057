using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using ChatPlatform.Gateway.Model;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ChatPlatform.Gateway.Services;

/// <summary>Mints access tokens (HS256 JWTs) and the random secrets behind refresh tokens and API keys.</summary>
public sealed class TokenService(AuthSettings settings, TimeProvider time)
{
    public const string ApiKeyPrefix = "cp_";
    private static readonly JsonWebTokenHandler Handler = new();

    public (string Token, int ExpiresIn) CreateAccessToken(User user)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = settings.Issuer,
            Audience = settings.Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + settings.AccessTokenLifetime,
            SigningCredentials = new SigningCredentials(settings.SigningKey, SecurityAlgorithms.HmacSha256),
            Claims = new Dictionary<string, object>
            {
                [JwtRegisteredClaimNames.Sub] = user.Id.ToString(),
                [JwtRegisteredClaimNames.Email] = user.Email,
                [GatewayClaims.Role] = user.Role,
                [GatewayClaims.Tier] = user.Tier,
                [JwtRegisteredClaimNames.Jti] = Guid.NewGuid().ToString("N"),
            },
        };
        return (Handler.CreateToken(descriptor), (int)settings.AccessTokenLifetime.TotalSeconds);
    }

    public static string NewRefreshToken() => Base64Url(RandomNumberGenerator.GetBytes(32));

    public static string NewApiKey() => ApiKeyPrefix + Base64Url(RandomNumberGenerator.GetBytes(32));

    /// <summary>Refresh tokens and API keys are high-entropy, so an unsalted SHA-256 is enough to make the stored value useless.</summary>
    public static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    private static string Base64Url(byte[] bytes) => Base64UrlEncoder.Encode(bytes);
}

public static class GatewayClaims
{
    public const string Subject = "sub";
    public const string Email = "email";
    public const string Role = "role";
    public const string Tier = "tier";

    public static Guid? UserId(this ClaimsPrincipal principal) =>
        Guid.TryParse(principal.FindFirstValue(Subject), out var id) ? id : null;
}
