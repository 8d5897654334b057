using System.Text;

namespace ChatPlatform.Chat.Services;

/// <summary>
/// The download name of an export, from the conversation's title: letters, digits, <c>_</c>, single spaces and single
/// dashes only (no path separators, dots that climb, control characters or quotes that would break a header), at most
/// <see cref="MaxLength"/> characters before the extension, "conversation" when nothing is left.
/// </summary>
public static class ExportFileName
{
    public const int MaxLength = 80;

    public static string For(string? title, string extension)
    {
        var name = new StringBuilder(MaxLength);
        // A run of anything else becomes one separator: a space when the run is only spaces, else a dash.
        char? separator = null;
        foreach (var rune in (title ?? "").EnumerateRunes())
        {
            if (Rune.IsLetterOrDigit(rune) || rune.Value == '_')
            {
                var length = rune.Utf16SequenceLength + (separator is null ? 0 : 1);
                if (name.Length + length > MaxLength)
                {
                    break;
                }
                if (separator is { } s && name.Length > 0)
                {
                    name.Append(s);
                }
                name.Append(rune.ToString());
                separator = null;
            }
            else
            {
                separator = rune.Value == ' ' && separator is null or ' ' ? ' ' : '-';
            }
        }
        return (name.Length == 0 ? "conversation" : name.ToString()) + "." + extension;
    }
}
