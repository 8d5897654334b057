using System.Net.Http.Headers;
using System.Security.Cryptography;
using ChatPlatform.Identity;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ChatPlatform.Testing;

/// <summary>
/// The internal key test hosts are given (<see cref="Setting"/>) and tokens signed with it, good or deliberately bad
/// (another key, expired, a user's issuer), as a neighbour on the network would forge them.
/// </summary>
public static class InternalTokens
{
    public const string Setting = "Internal:Key";

    /// <summary>A fixed 32-byte key, base64: the same in every host a test starts, as in a deployment.</summary>
    public static readonly string Key = Convert.ToBase64String(SHA256.HashData("chatplatform-tests-internal-key"u8));

    private static readonly JsonWebTokenHandler Handler = new() { SetDefaultTimesOnTokenCreation = false };

    public static string Mint(
        string role, Guid? userId = null, string? email = null, string? key = null, DateTime? issuedAt = null,
        TimeSpan? lifetime = null, string issuer = InternalIdentityOptions.Issuer, string audience = InternalIdentityOptions.Audience,
        string? tier = null)
    {
        var now = issuedAt ?? DateTime.UtcNow;
        var claims = new Dictionary<string, object> { [InternalClaims.Role] = role };
        if (userId is { } id)
        {
            claims[InternalClaims.Subject] = id.ToString();
        }
        if (email is not null)
        {
            claims[InternalClaims.Email] = email;
        }
        if (tier is not null)
        {
            claims[InternalClaims.Tier] = tier;
        }
        return Handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + (lifetime ?? InternalIdentityOptions.TokenLifetime),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Convert.FromBase64String(key ?? Key)), SecurityAlgorithms.HmacSha256),
            Claims = claims,
        });
    }

    public static AuthenticationHeaderValue Bearer(string token) => new("Bearer", token);

    public static AuthenticationHeaderValue User(Guid userId) => Bearer(Mint(InternalRoles.User, userId));

    public static AuthenticationHeaderValue Admin(Guid? userId = null, string? email = null) =>
        Bearer(Mint(InternalRoles.Admin, userId ?? Guid.NewGuid(), email));

    public static AuthenticationHeaderValue Service(Guid? userId = null) => Bearer(Mint(InternalRoles.Service, userId));

    /// <summary>
    /// The identity of the internal token in an <c>Authorization</c> header, checked as the services check it (this
    /// key, issuer, audience, lifetime); null when there is none or it does not pass. For fakes of internal services.
    /// </summary>
    public static async Task<System.Security.Claims.ClaimsIdentity?> ValidateAsync(string? authorization)
    {
        if (authorization is not { } header || !header.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            return null;
        }
        var result = await Handler.ValidateTokenAsync(header["Bearer ".Length..], new TokenValidationParameters
        {
            ValidIssuer = InternalIdentityOptions.Issuer,
            ValidAudience = InternalIdentityOptions.Audience,
            IssuerSigningKey = new SymmetricSecurityKey(Convert.FromBase64String(Key)),
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            RequireExpirationTime = true,
        });
        return result.IsValid ? result.ClaimsIdentity : null;
    }

    /// <summary>The caller's token a request carried, decoded without checking it (for fakes that record calls).</summary>
    public static JsonWebToken? Read(string? authorization) =>
        authorization is { } header && header.StartsWith("Bearer ", StringComparison.Ordinal) ? new JsonWebToken(header["Bearer ".Length..]) : null;
}
