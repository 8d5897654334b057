using System.ComponentModel.DataAnnotations;

namespace ChatPlatform.Web.Components.Account;

/// <summary>What the sign-in and sign-up forms post. The gateway has the last word on what is acceptable.</summary>
public sealed class AccountForm
{
    [Required(ErrorMessage = "An email is required.")]
    [EmailAddress(ErrorMessage = "The email is not a valid address.")]
    public string? Email { get; set; }

    [Required(ErrorMessage = "A password is required.")]
    public string? Password { get; set; }

    public const string TwoFactorSettingsPath = "/settings/two-factor";

    /// <summary>
    /// Where a new session goes: the two-factor page when the gateway's token may only enrol it (an admin without it, when
    /// the gateway requires it of admins), else the local return URL. The claim is only read, to choose a page; the
    /// gateway, which signed the token, enforces it.
    /// </summary>
    public static string LandingUrl(string accessToken, string? returnUrl) =>
        MayOnlyEnrolTwoFactor(accessToken) ? TwoFactorSettingsPath : SafeReturnUrl(returnUrl);

    internal static bool MayOnlyEnrolTwoFactor(string accessToken)
    {
        var parts = accessToken.Split('.');
        if (parts.Length != 3)
        {
            return false;
        }
        try
        {
            var padded = parts[1].Replace('-', '+').Replace('_', '/');
            padded += new string('=', (4 - padded.Length % 4) % 4);
            using var payload = System.Text.Json.JsonDocument.Parse(Convert.FromBase64String(padded));
            return payload.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object
                && payload.RootElement.TryGetProperty("2fa_enrol", out var mark) && mark.ValueKind == System.Text.Json.JsonValueKind.String
                && mark.GetString() == "required";
        }
        catch (Exception e) when (e is FormatException or System.Text.Json.JsonException)
        {
            return false;
        }
    }

    /// <summary>A local path to go back to; anything else is ignored.</summary>
    public static string SafeReturnUrl(string? returnUrl) =>
        returnUrl is { Length: > 0 } && returnUrl.StartsWith('/') && !returnUrl.StartsWith("//", StringComparison.Ordinal)
            && !returnUrl.StartsWith("/\\", StringComparison.Ordinal) && !returnUrl.StartsWith("/signin", StringComparison.OrdinalIgnoreCase)
            ? returnUrl
            : "/";
}
