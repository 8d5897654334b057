using System.Net.Mail;

namespace ChatPlatform.Gateway.Services;

/// <summary>What an acceptable email and password look like.</summary>
public static class AccountRules
{
    public const int MinimumPasswordLength = 10;
    public const int MaximumPasswordLength = 256;
    public const int MaximumEmailLength = 254;

    /// <summary>The email as stored (trimmed, lower-cased) or null with an error added.</summary>
    public static string? NormalizeEmail(string? email, IDictionary<string, string[]> errors)
    {
        var trimmed = email?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            errors["email"] = ["An email is required."];
            return null;
        }
        if (trimmed.Length > MaximumEmailLength || !IsEmail(trimmed))
        {
            errors["email"] = ["The email is not a valid address."];
            return null;
        }
        return trimmed.ToLowerInvariant();
    }

    public static void CheckPassword(string? password, string? email, IDictionary<string, string[]> errors)
    {
        if (string.IsNullOrEmpty(password))
        {
            errors["password"] = ["A password is required."];
            return;
        }
        var problems = new List<string>();
        if (password.Length < MinimumPasswordLength)
        {
            problems.Add($"The password must be at least {MinimumPasswordLength} characters.");
        }
        if (password.Length > MaximumPasswordLength)
        {
            problems.Add($"The password must be at most {MaximumPasswordLength} characters.");
        }
        if (CharacterClasses(password) < 2)
        {
            problems.Add("The password must mix at least two kinds of characters (lower case, upper case, digits, symbols).");
        }
        if (email is not null && string.Equals(password.Trim(), email, StringComparison.OrdinalIgnoreCase))
        {
            problems.Add("The password must not be the email.");
        }
        if (problems.Count > 0)
        {
            errors["password"] = [.. problems];
        }
    }

    private static bool IsEmail(string value)
    {
        if (value.Any(char.IsWhiteSpace) || value.Count(c => c == '@') != 1)
        {
            return false;
        }
        var at = value.IndexOf('@');
        var domain = value[(at + 1)..];
        return at > 0 && domain.Contains('.') && !domain.StartsWith('.') && !domain.EndsWith('.')
            && MailAddress.TryCreate(value, out var parsed) && parsed.Address == value;
    }

    private static int CharacterClasses(string password)
    {
        var lower = password.Any(char.IsLower);
        var upper = password.Any(char.IsUpper);
        var digit = password.Any(char.IsDigit);
        var other = password.Any(c => !char.IsLetterOrDigit(c));
        return (lower ? 1 : 0) + (upper ? 1 : 0) + (digit ? 1 : 0) + (other ? 1 : 0);
    }
}
