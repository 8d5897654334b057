using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ChatPlatform.Gateway.Tests;

/// <summary>Access tokens minted by the test with the gateway's test signing key (or a wrong one, on purpose).</summary>
internal static class TestTokens
{
    public static string Mint(
        Guid userId, DateTime? issuedAt = null, DateTime? expires = null, string audience = "chatplatform", string issuer = "chatplatform",
        string algorithm = SecurityAlgorithms.HmacSha256, byte[]? key = null, string role = "user", string tier = "free", Guid? session = null)
    {
        var now = issuedAt ?? DateTime.UtcNow;
        var claims = new Dictionary<string, object>
        {
            ["sub"] = userId.ToString(),
            ["email"] = "someone@example.com",
            ["role"] = role,
            ["tier"] = tier,
        };
        if (session is { } sid)
        {
            claims["sid"] = sid.ToString("N");
        }
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = expires ?? now.AddMinutes(10),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(key ?? GatewayHost.SigningKey), algorithm),
            Claims = claims,
        });
    }

    /// <summary>A valid token whose header says <c>alg: none</c> and which carries no signature.</summary>
    public static string Unsigned(Guid userId)
    {
        var exp = DateTimeOffset.UtcNow.AddMinutes(10).ToUnixTimeSeconds();
        var header = Base64UrlEncoder.Encode("""{"alg":"none","typ":"JWT"}""");
        var payload = Base64UrlEncoder.Encode(
            $$"""{"sub":"{{userId}}","email":"someone@example.com","role":"admin","tier":"pro","iss":"chatplatform","aud":"chatplatform","exp":{{exp}}}""");
        return $"{header}.{payload}.";
    }
}
