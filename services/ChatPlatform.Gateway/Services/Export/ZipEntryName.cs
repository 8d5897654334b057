using System.Text;

namespace ChatPlatform.Gateway.Services.Export;

/// <summary>
/// A file's name as the last segment of a zip entry: letters, digits, <c>. _ -</c> and spaces; anything else (path
/// separators, control characters, a drive's colon) becomes <c>_</c>, and leading dots go, so no entry climbs out of its
/// folder when the zip is extracted (zip slip). At most 100 characters, keeping the extension.
/// </summary>
public static class ZipEntryName
{
    private const int MaxLength = 100;

    public static string Of(string? name)
    {
        var safe = new StringBuilder();
        foreach (var rune in (name ?? "").EnumerateRunes())
        {
            safe.Append(Rune.IsLetterOrDigit(rune) || rune.Value is '.' or '_' or '-' or ' ' ? rune.ToString() : "_");
        }
        var text = safe.ToString().Trim().TrimStart('.');
        if (text.Length > MaxLength)
        {
            var extension = Path.GetExtension(text);
            extension = extension.Length is > 1 and <= 10 ? extension : "";
            text = text[..(MaxLength - extension.Length)].TrimEnd() + extension;
            if (char.IsHighSurrogate(text[^(extension.Length + 1)]))
            {
                text = text.Remove(text.Length - extension.Length - 1, 1);
            }
        }
        return text.Length == 0 ? "file" : text;
    }
}
