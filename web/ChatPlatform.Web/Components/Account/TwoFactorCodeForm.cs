using System.ComponentModel.DataAnnotations;

namespace ChatPlatform.Web.Components.Account;

/// <summary>The sign-in's second step: the gateway's challenge (carried in the page) and the code the person types.</summary>
public sealed class TwoFactorCodeForm
{
    public string? Challenge { get; set; }

    [Required(ErrorMessage = "Enter the code from your authenticator app.")]
    public string? Code { get; set; }
}
