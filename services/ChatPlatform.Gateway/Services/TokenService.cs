using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using ChatPlatform.Gateway.Model;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ChatPlatform.Gateway.Services;

/// <summary>Mints access tokens (HS256 JWTs) and the random secrets behind refresh tokens and API keys.</summary>
public sealed class TokenService(IOptions<AuthOptions> options, TimeProvider time)
{
    public const string ApiKeyPrefix = "cp_";
    private static readonly JsonWebTokenHandler Handler = new();

    private readonly AuthOptions _options = options.Value;

    /// <param name="sessionId">The refresh-token family the token is issued from, so revoking it denies the token.</param>
    /// <param name="enrolOnly">The token only enrols two-factor sign-in (<see cref="TwoFactorEnrolmentGate"/>).</param>
    public (string Token, int ExpiresIn) CreateAccessToken(User user, Guid sessionId, bool enrolOnly = false)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = _options.Issuer,
            Audience = _options.Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + _options.AccessTokenLifetime,
            SigningCredentials = new SigningCredentials(_options.SecurityKey, SecurityAlgorithms.HmacSha256),
            Claims = new Dictionary<string, object>
            {
                [JwtRegisteredClaimNames.Sub] = user.Id.ToString(),
                [JwtRegisteredClaimNames.Email] = user.Email,
                [GatewayClaims.Role] = user.Role,
                [GatewayClaims.Tier] = user.Tier,
                [JwtRegisteredClaimNames.Jti] = Guid.NewGuid().ToString("N"),
                [GatewayClaims.Session] = sessionId.ToString("N"),
            },
        };
        if (enrolOnly)
        {
            descriptor.Claims[GatewayClaims.TwoFactorEnrolment] = TwoFactorEnrolmentGate.Required;
        }
        return (Handler.CreateToken(descriptor), (int)_options.AccessTokenLifetime.TotalSeconds);
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
    public const string Session = "sid";

    /// <summary>Present on an admin's tokens that may only enrol two-factor sign-in.</summary>
    public const string TwoFactorEnrolment = "2fa_enrol";

    public static Guid? UserId(this ClaimsPrincipal principal) =>
        Guid.TryParse(principal.FindFirstValue(Subject), out var id) ? id : null;
}
