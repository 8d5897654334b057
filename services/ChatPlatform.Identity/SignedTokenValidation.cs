using Microsoft.IdentityModel.Tokens;

namespace ChatPlatform.Identity;

/// <summary>
/// How the platform validates the HS256 tokens it signs itself, users' access tokens at the gateway and internal tokens
/// in every service alike: issuer, audience, key, algorithm, lifetime and signature all required, 30 s of clock skew.
/// </summary>
public static class SignedTokenValidation
{
    public static TokenValidationParameters For(string issuer, string audience, SecurityKey key, string nameClaim, string roleClaim) => new()
    {
        ValidIssuer = issuer,
        ValidAudience = audience,
        IssuerSigningKey = key,
        ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
        ValidateIssuer = true,
        ValidateAudience = true,
        ValidateLifetime = true,
        ValidateIssuerSigningKey = true,
        RequireExpirationTime = true,
        RequireSignedTokens = true,
        ClockSkew = TimeSpan.FromSeconds(30),
        NameClaimType = nameClaim,
        RoleClaimType = roleClaim,
    };
}
