using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ChatPlatform.Identity;

/// <summary>Mints the short-lived HS256 token a service sends as <c>Authorization: Bearer</c> on every internal call.</summary>
public sealed class InternalTokenIssuer(IOptions<InternalIdentityOptions> options, TimeProvider time)
{
    private static readonly JsonWebTokenHandler Handler = new() { SetDefaultTimesOnTokenCreation = false };

    private readonly SigningCredentials _credentials = new(options.Value.SecurityKey, SecurityAlgorithms.HmacSha256);

    public string CreateToken(InternalCaller caller)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var claims = new Dictionary<string, object> { [InternalClaims.Role] = caller.Role };
        if (caller.UserId is { } userId)
        {
            claims[InternalClaims.Subject] = userId.ToString();
        }
        if (caller.Tier is { } tier)
        {
            claims[InternalClaims.Tier] = tier;
        }
        if (caller.Email is { } email)
        {
            claims[InternalClaims.Email] = email;
        }
        return Handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = InternalIdentityOptions.Issuer,
            Audience = InternalIdentityOptions.Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + InternalIdentityOptions.TokenLifetime,
            SigningCredentials = _credentials,
            Claims = claims,
        });
    }
}
