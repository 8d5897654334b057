using System.Globalization;
using System.Text;

namespace ChatPlatform.Ingestion.Files;

/// <summary>
/// A client's file name made display text (docs/files.md): only its last path segment, without control or format
/// characters (so no RTL override can disguise an extension), whitespace collapsed, trimmed, at most
/// <see cref="MaxLength"/> characters without splitting a character. It never names a blob or a path.
/// </summary>
public static class DisplayName
{
    public const int MaxLength = 255;
    public const string Fallback = "untitled";

    public static string From(string? raw)
    {
        if (string.IsNullOrWhiteSpace(raw))
        {
            return Fallback;
        }
        var lastSeparator = raw.LastIndexOfAny(['/', '\\']);
        var segment = lastSeparator >= 0 ? raw[(lastSeparator + 1)..] : raw;
        var text = new StringBuilder(Math.Min(segment.Length, MaxLength * 2));
        var previousWasSpace = false;
        foreach (var rune in segment.EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            if (category is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate
                or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned or UnicodeCategory.LineSeparator
                or UnicodeCategory.ParagraphSeparator)
            {
                continue;
            }
            var isSpace = Rune.IsWhiteSpace(rune);
            if (isSpace && previousWasSpace)
            {
                continue;
            }
            text.Append(isSpace ? " " : rune.ToString());
            previousWasSpace = isSpace;
        }
        var name = Truncate(text.ToString().Trim());
        // "." and ".." are path segments, not names.
        return name.Length == 0 || name.Trim('.').Length == 0 ? Fallback : name;
    }

    private static string Truncate(string name)
    {
        if (name.Length <= MaxLength)
        {
            return name;
        }
        var elements = StringInfo.GetTextElementEnumerator(name);
        var end = 0;
        while (elements.MoveNext() && elements.ElementIndex + ((string)elements.Current).Length <= MaxLength)
        {
            end = elements.ElementIndex + ((string)elements.Current).Length;
        }
        return name[..end].TrimEnd();
    }
}
