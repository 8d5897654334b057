using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using ChatPlatform.Chat.Model;

namespace ChatPlatform.Chat.Services;

/// <summary>Share ids, and the checks a share request passes before anything is read or written.</summary>
public static class ShareRules
{
    public const string Public = "public";
    public const string SignedIn = "signed-in";
    public const int MaxSharesPerUser = 1000;
    public const int DefaultPageSize = 20;
    public const int MaxPageSize = 100;

    /// <summary>Base64url of 16 random bytes: 22 characters.</summary>
    public const int IdLength = 22;

    // Far enough for any real use, near enough that a year beyond PostgreSQL's range never reaches it.
    private static readonly TimeSpan MaxLifetime = TimeSpan.FromDays(3650);

    /// <summary>
    /// 128 bits from the operating system's generator, base64url: unguessable, and unrelated to the conversation's id
    /// (a v7 id carries its creation time and would be a guessable neighbour of others).
    /// </summary>
    public static string NewId() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16));

    /// <summary>Whether <paramref name="id"/> could be a share id at all; anything else is not looked up.</summary>
    public static bool IsWellFormed(string id) =>
        id.Length == IdLength && Base64Url.IsValid(id, out var length) && length == 16;

    public static string UrlOf(string shareId) => $"/s/{shareId}";

    public static Dictionary<string, string[]> Validate(CreateShareRequest request, DateTimeOffset now)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (request.MessageId is null)
        {
            errors["messageId"] = ["The message id (the leaf of the branch to share) is required."];
        }
        Visibility(request.Visibility, errors);
        Expiry(request.ExpiresAt, now, errors);
        return errors;
    }

    public static Dictionary<string, string[]> Validate(UpdateShareRequest request, DateTimeOffset now)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        Visibility(request.Visibility, errors);
        if (request.ExpiresAtGiven)
        {
            Expiry(request.ExpiresAt, now, errors);
        }
        if (request.Resnapshot == true && request.MessageId is null)
        {
            errors["messageId"] = ["A new snapshot needs the leaf of the branch to share."];
        }
        if (request.Resnapshot != true && request.MessageId is not null)
        {
            errors["resnapshot"] = ["A message id copies the branch again only with \"resnapshot\": true."];
        }
        return errors;
    }

    /// <summary>The page size and where it starts; the reasons when either is bad.</summary>
    public static Dictionary<string, string[]> ValidatePage(string? limit, string? cursor, out int size, out ShareCursor? after)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        size = DefaultPageSize;
        after = null;
        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out size) || size is < 1 or > MaxPageSize))
        {
            errors["limit"] = [$"The limit is from 1 to {MaxPageSize}."];
        }
        if (cursor is not null && !ShareCursor.TryDecode(cursor, out after))
        {
            errors["cursor"] = ["The cursor is not one this list gave."];
        }
        return errors;
    }

    private static void Visibility(string? visibility, Dictionary<string, string[]> errors)
    {
        if (visibility is not (null or Public or SignedIn))
        {
            errors["visibility"] = [$"The visibility is \"{Public}\" or \"{SignedIn}\"."];
        }
    }

    private static void Expiry(DateTimeOffset? expiresAt, DateTimeOffset now, Dictionary<string, string[]> errors)
    {
        if (expiresAt is { } at && (at <= now || at > now + MaxLifetime))
        {
            errors["expiresAt"] = ["The expiry is a time in the future, at most ten years away."];
        }
    }
}
