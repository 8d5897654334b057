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

    /// <summary>A local path to go back to; anything else is ignored.</summary>
    public static string SafeReturnUrl(string? returnUrl) =>
        returnUrl is { Length: > 0 } && returnUrl.StartsWith('/') && !returnUrl.StartsWith("//", StringComparison.Ordinal)
            && !returnUrl.StartsWith("/\\", StringComparison.Ordinal) && !returnUrl.StartsWith("/signin", StringComparison.OrdinalIgnoreCase)
            ? returnUrl
            : "/";
}
