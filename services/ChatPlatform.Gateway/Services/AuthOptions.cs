using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace ChatPlatform.Gateway.Services;

/// <summary>
/// The <c>Auth:*</c> configuration, resolved once at start-up. The signing key is required outside Development; in
/// Development a missing key is generated (tokens then die with the process), which <see cref="GeneratedSigningKey"/>
/// reports so start-up can warn.
/// </summary>
public sealed class AuthSettings
{
    public const string Section = "Auth";
    public const int MinimumKeyBytes = 32;

    public required SymmetricSecurityKey SigningKey { get; init; }
    public bool GeneratedSigningKey { get; init; }
    public string Issuer { get; init; } = "chatplatform";
    public string Audience { get; init; } = "chatplatform";
    public TimeSpan AccessTokenLifetime { get; init; } = TimeSpan.FromMinutes(15);
    public TimeSpan RefreshTokenLifetime { get; init; } = TimeSpan.FromDays(30);
    public string? AdminEmail { get; init; }
    public int SignInFailuresPerAccount { get; init; } = 5;
    public int SignInFailuresPerAddress { get; init; } = 20;
    public TimeSpan SignInThrottleWindow { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>An external OpenID Connect issuer whose access tokens are accepted too (single sign-on); null when not configured.</summary>
    public ExternalIssuerSettings? ExternalIssuer { get; init; }

    public static AuthSettings Load(IConfiguration configuration, IHostEnvironment environment)
    {
        var section = configuration.GetSection(Section);
        var (key, generated) = LoadSigningKey(section["SigningKey"], environment);
        return new AuthSettings
        {
            SigningKey = key,
            GeneratedSigningKey = generated,
            Issuer = NonEmpty(section["Issuer"]) ?? "chatplatform",
            Audience = NonEmpty(section["Audience"]) ?? "chatplatform",
            AccessTokenLifetime = TimeSpan.FromMinutes(Positive(section, "AccessTokenMinutes", 15)),
            RefreshTokenLifetime = TimeSpan.FromDays(Positive(section, "RefreshTokenDays", 30)),
            AdminEmail = NonEmpty(section["AdminEmail"])?.Trim().ToLowerInvariant(),
            SignInFailuresPerAccount = Positive(section, "SignInFailuresPerAccount", 5),
            SignInFailuresPerAddress = Positive(section, "SignInFailuresPerAddress", 20),
            SignInThrottleWindow = TimeSpan.FromMinutes(Positive(section, "SignInThrottleMinutes", 15)),
            ExternalIssuer = ExternalIssuerSettings.Load(section.GetSection("Oidc")),
        };
    }

    private static (SymmetricSecurityKey Key, bool Generated) LoadSigningKey(string? value, IHostEnvironment environment)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            if (!environment.IsDevelopment())
            {
                throw new InvalidOperationException(
                    $"Auth:SigningKey is not configured (environment variable Auth__SigningKey): set it to a base64 value of at least {MinimumKeyBytes} random bytes, e.g. the output of `openssl rand -base64 32`.");
            }
            return (new SymmetricSecurityKey(RandomNumberGenerator.GetBytes(MinimumKeyBytes)), true);
        }
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(value.Trim());
        }
        catch (FormatException)
        {
            // The message never includes the value: it is a secret.
            throw new InvalidOperationException("Auth:SigningKey is not valid base64.");
        }
        if (bytes.Length < MinimumKeyBytes)
        {
            throw new InvalidOperationException($"Auth:SigningKey must decode to at least {MinimumKeyBytes} bytes; it decodes to {bytes.Length}.");
        }
        return (new SymmetricSecurityKey(bytes), false);
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    private static int Positive(IConfiguration section, string name, int fallback)
    {
        var value = section[name];
        if (string.IsNullOrWhiteSpace(value))
        {
            return fallback;
        }
        return int.TryParse(value, out var parsed) && parsed > 0
            ? parsed
            : throw new InvalidOperationException($"Auth:{name} must be a positive whole number.");
    }
}
