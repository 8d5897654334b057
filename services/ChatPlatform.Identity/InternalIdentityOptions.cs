using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace ChatPlatform.Identity;

/// <summary>
/// The <c>Internal</c> section: the key every service shares to sign and check internal tokens. Required in every
/// environment (the AppHost generates one; tests set one), since without it any neighbour on the network could act as
/// any user.
/// </summary>
public sealed class InternalIdentityOptions
{
    public const string SectionName = "Internal";
    public const int MinimumKeyBytes = 32;

    /// <summary>Internal tokens name their own issuer and audience, so a user's access token is never taken for one.</summary>
    public const string Issuer = "chatplatform-internal";
    public const string Audience = "chatplatform-services";

    /// <summary>Long enough for one forwarded call's headers to arrive; a stolen token is soon worthless.</summary>
    public static readonly TimeSpan TokenLifetime = TimeSpan.FromMinutes(2);

    private SymmetricSecurityKey? _securityKey;

    /// <summary>Base64 of at least <see cref="MinimumKeyBytes"/> random bytes. A secret: no message ever repeats it.</summary>
    public string? Key { get; set; }

    /// <summary>The decoded key (validated at start-up, so it decodes); internal so that binding never reads it.</summary>
    internal SymmetricSecurityKey SecurityKey => _securityKey ??= new SymmetricSecurityKey(Convert.FromBase64String(Key!.Trim()));
}

/// <summary>A missing, short or reused key stops start-up with what to fix; the value is never part of the message.</summary>
internal sealed class InternalIdentityOptionsValidator(IConfiguration configuration) : IValidateOptions<InternalIdentityOptions>
{
    public ValidateOptionsResult Validate(string? name, InternalIdentityOptions options) =>
        Problem(options.Key, configuration["Auth:SigningKey"]) is { } problem ? ValidateOptionsResult.Fail(problem) : ValidateOptionsResult.Success;

    internal static string? Problem(string? key, string? userTokenKey)
    {
        if (string.IsNullOrWhiteSpace(key))
        {
            return $"Internal:Key is not configured (environment variable Internal__Key): every service needs the same base64 value of at least {InternalIdentityOptions.MinimumKeyBytes} random bytes, e.g. the output of `openssl rand -base64 32`.";
        }
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(key.Trim());
        }
        catch (FormatException)
        {
            return "Internal:Key is not valid base64.";
        }
        if (bytes.Length < InternalIdentityOptions.MinimumKeyBytes)
        {
            return $"Internal:Key must decode to at least {InternalIdentityOptions.MinimumKeyBytes} bytes; it decodes to {bytes.Length}.";
        }
        // With one key for both, a user's access token would only need the internal issuer and audience to pass inside.
        return userTokenKey is not null && string.Equals(key.Trim(), userTokenKey.Trim(), StringComparison.Ordinal)
            ? "Internal:Key must differ from Auth:SigningKey, the key of users' access tokens."
            : null;
    }
}
