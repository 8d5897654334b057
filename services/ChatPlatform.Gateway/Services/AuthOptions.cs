using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace ChatPlatform.Gateway.Services;

/// <summary>
/// The <c>Auth</c> section. The signing key is required outside Development; in Development a missing key is generated
/// (tokens then die with the process), which <see cref="GeneratedSigningKey"/> reports so start-up can warn.
/// </summary>
public sealed class AuthOptions
{
    public const string SectionName = "Auth";
    public const int MinimumKeyBytes = 32;
    private const string DefaultName = "chatplatform";

    private SymmetricSecurityKey? _securityKey;

    /// <summary>Base64 of at least <see cref="MinimumKeyBytes"/> random bytes. A secret: no message ever repeats it.</summary>
    public string? SigningKey { get; set; }

    public string Issuer { get; set; } = DefaultName;

    public string Audience { get; set; } = DefaultName;

    public int AccessTokenMinutes { get; set; } = 15;

    public int RefreshTokenDays { get; set; } = 30;

    /// <summary>The account with this email is an admin; stored trimmed and lower-case, as emails are compared.</summary>
    public string? AdminEmail { get; set; }

    /// <summary>
    /// The secret the web app proves itself with when it passes its user's address for sign-in throttling
    /// (<see cref="ClientAddress"/>); unset, only connection addresses count. A secret: no message ever repeats it.
    /// </summary>
    public string? WebClientKey { get; set; }

    /// <summary>Failed sign-ins to one account from one address before that address is refused for that account.</summary>
    public int SignInFailuresPerAccount { get; set; } = 5;

    public int SignInFailuresPerAddress { get; set; } = 20;

    public int SignInThrottleMinutes { get; set; } = 15;

    /// <summary>
    /// When true, an admin without two-factor sign-in gets tokens that only enrol it (<see cref="TwoFactorEnrolmentGate"/>).
    /// </summary>
    public bool RequireTwoFactorForAdmins { get; set; }

    /// <summary>
    /// Base64 of at least <see cref="MinimumKeyBytes"/> random bytes that encrypts TOTP secrets at rest; unset, a key derived
    /// from <see cref="SigningKey"/> does (then rotating the signing key turns every enrolment off). A secret.
    /// </summary>
    public string? TwoFactorKey { get; set; }

    /// <summary>An external OpenID Connect issuer whose access tokens are accepted too (single sign-on).</summary>
    public ExternalIssuerOptions Oidc { get; set; } = new();

    /// <summary>True when no key was configured and this Development run made one up.</summary>
    public bool GeneratedSigningKey { get; private set; }

    public TimeSpan AccessTokenLifetime => TimeSpan.FromMinutes(AccessTokenMinutes);

    public TimeSpan RefreshTokenLifetime => TimeSpan.FromDays(RefreshTokenDays);

    public TimeSpan SignInThrottleWindow => TimeSpan.FromMinutes(SignInThrottleMinutes);

    /// <summary>
    /// The decoded <see cref="SigningKey"/>, one instance for signing and validation alike (validated at start-up, so it
    /// decodes). Internal, so the configuration binder never reads it before the key is bound.
    /// </summary>
    internal SymmetricSecurityKey SecurityKey => _securityKey ??= new SymmetricSecurityKey(Convert.FromBase64String(SigningKey!.Trim()));

    /// <summary>
    /// Runs after binding: blank values mean the defaults, as they did when these settings were read by hand, and a
    /// Development run without a key gets a random one.
    /// </summary>
    internal void Complete(IHostEnvironment environment)
    {
        Issuer = string.IsNullOrWhiteSpace(Issuer) ? DefaultName : Issuer;
        Audience = string.IsNullOrWhiteSpace(Audience) ? DefaultName : Audience;
        AdminEmail = string.IsNullOrWhiteSpace(AdminEmail) ? null : AdminEmail.Trim().ToLowerInvariant();
        Oidc.Audience = Oidc.Audience?.Trim();
        if (string.IsNullOrWhiteSpace(SigningKey) && environment.IsDevelopment())
        {
            SigningKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(MinimumKeyBytes));
            GeneratedSigningKey = true;
        }
    }
}

/// <summary>A missing or weak signing key, or a half-configured external issuer, stops start-up with what to fix.</summary>
internal sealed class AuthOptionsValidator : IValidateOptions<AuthOptions>
{
    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        List<string> failures = [];
        if (SigningKeyProblem(options.SigningKey) is { } problem)
        {
            failures.Add(problem);
        }
        if (!string.IsNullOrWhiteSpace(options.TwoFactorKey) && KeyProblem("TwoFactorKey", options.TwoFactorKey) is { } twoFactorProblem)
        {
            failures.Add(twoFactorProblem);
        }
        if (options.WebClientKey is { Length: > 0 and < 32 })
        {
            failures.Add("Auth:WebClientKey must be at least 32 characters (e.g. the output of `openssl rand -base64 32`).");
        }
        Positive(failures, "AccessTokenMinutes", options.AccessTokenMinutes);
        Positive(failures, "RefreshTokenDays", options.RefreshTokenDays);
        Positive(failures, "SignInFailuresPerAccount", options.SignInFailuresPerAccount);
        Positive(failures, "SignInFailuresPerAddress", options.SignInFailuresPerAddress);
        Positive(failures, "SignInThrottleMinutes", options.SignInThrottleMinutes);
        failures.AddRange(options.Oidc.Problems());
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    // Only reached without a key outside Development: AuthOptions.Complete generates one in Development.
    private static string? SigningKeyProblem(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return $"Auth:SigningKey is not configured (environment variable Auth__SigningKey): set it to a base64 value of at least {AuthOptions.MinimumKeyBytes} random bytes, e.g. the output of `openssl rand -base64 32`.";
        }
        return KeyProblem("SigningKey", value);
    }

    private static string? KeyProblem(string name, string value)
    {
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(value.Trim());
        }
        catch (FormatException)
        {
            // The message never includes the value: it is a secret.
            return $"Auth:{name} is not valid base64.";
        }
        return bytes.Length < AuthOptions.MinimumKeyBytes
            ? $"Auth:{name} must decode to at least {AuthOptions.MinimumKeyBytes} bytes; it decodes to {bytes.Length}."
            : null;
    }

    private static void Positive(List<string> failures, string name, int value)
    {
        if (value <= 0)
        {
            failures.Add($"{AuthOptions.SectionName}:{name} must be a positive whole number.");
        }
    }
}
