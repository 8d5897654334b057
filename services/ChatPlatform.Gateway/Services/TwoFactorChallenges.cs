using ChatPlatform.Gateway.Model;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ChatPlatform.Gateway.Services;

/// <summary>
/// The short-lived proof that a password was right, to send back with a code: a JWT signed with the gateway's key for an
/// audience of its own, so it is never accepted as an access token (nor an access token as a challenge). It names the
/// user, so with another user's challenge a code is checked against that other user's secret and fails.
/// </summary>
public sealed class TwoFactorChallenges(IOptions<AuthOptions> options, TimeProvider time)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);
    private static readonly JsonWebTokenHandler Handler = new();

    private readonly AuthOptions _options = options.Value;

    private string Audience => _options.Audience + ":two-factor";

    public TwoFactorChallenge Create(User user)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var token = Handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = _options.Issuer,
            Audience = Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + Lifetime,
            SigningCredentials = new SigningCredentials(_options.SecurityKey, SecurityAlgorithms.HmacSha256),
            Claims = new Dictionary<string, object>
            {
                [JwtRegisteredClaimNames.Sub] = user.Id.ToString(),
                [JwtRegisteredClaimNames.Jti] = Guid.NewGuid().ToString("N"),
            },
        });
        return new TwoFactorChallenge(token, (int)Lifetime.TotalSeconds);
    }

    /// <summary>The user the challenge was issued to; null when it is not one of ours, is for something else, or expired.</summary>
    public async Task<Guid?> ReadAsync(string challenge)
    {
        var result = await Handler.ValidateTokenAsync(challenge, new TokenValidationParameters
        {
            ValidIssuer = _options.Issuer,
            ValidAudience = Audience,
            IssuerSigningKey = _options.SecurityKey,
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            RequireExpirationTime = true,
            ClockSkew = TimeSpan.Zero,
            LifetimeValidator = (notBefore, expires, _, _) => time.GetUtcNow().UtcDateTime is var now && notBefore <= now && now < expires,
        });
        return result.IsValid && result.Claims.TryGetValue(JwtRegisteredClaimNames.Sub, out var sub) && Guid.TryParse(sub as string, out var id)
            ? id
            : null;
    }
}
