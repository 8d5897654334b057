using System.Text;

namespace ChatPlatform.Chat.Services;

/// <summary>
/// The download name of an export, from the conversation's title: letters, digits, spaces, <c>-</c> and <c>_</c> only
/// (no path separators, dots that climb, control characters or quotes that would break a header), at most
/// <see cref="MaxLength"/> characters before the extension, "conversation" when nothing is left.
/// </summary>
public static class ExportFileName
{
    public const int MaxLength = 80;

    public static string For(string? title, string extension)
    {
        var name = new StringBuilder(MaxLength);
        var dash = false;
        foreach (var rune in (title ?? "").EnumerateRunes())
        {
            if (name.Length >= MaxLength)
            {
                break;
            }
            if (Rune.IsLetterOrDigit(rune) || rune.Value is ' ' or '-' or '_')
            {
                if (name.Length + rune.Utf16SequenceLength > MaxLength)
                {
                    break;
                }
                name.Append(rune.ToString());
                dash = false;
            }
            else if (!dash && name.Length > 0)
            {
                name.Append('-');
                dash = true;
            }
        }
        var trimmed = name.ToString().Trim(' ', '-', '_');
        return (trimmed.Length == 0 ? "conversation" : trimmed) + "." + extension;
    }
}
