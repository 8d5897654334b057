using Markdig.Helpers;
using Markdig.Parsers;
using Markdig.Renderers;
using Markdig.Renderers.Html;
using Markdig.Syntax.Inlines;

namespace ChatPlatform.Web.Services;

/// <summary>A formula found in an answer: its TeX, whether it is displayed (<c>$$…$$</c>), and its source with delimiters.</summary>
internal sealed class MathSpan : LeafInline
{
    public required string Tex { get; init; }
    public required bool Display { get; init; }
    public required string Source { get; init; }
}

/// <summary>
/// Finds <c>$…$</c> (inline) and <c>$$…$$</c> (display) formulas while the Markdown is parsed, so that what is inside a
/// formula is not read as emphasis and what is inside code is never a formula. A single <c>$</c> follows Pandoc's rules,
/// which keep prices as text ("$5 and $10"): no whitespace after the opening <c>$</c>, none before the closing one, and
/// the closing one not followed by a digit. A backslash escapes a <c>$</c> inside a formula.
/// </summary>
internal sealed class MathSpanParser : InlineParser
{
    public MathSpanParser() => OpeningCharacters = ['$'];

    public override bool Match(InlineProcessor processor, ref StringSlice slice)
    {
        var text = slice.Text;
        var start = slice.Start;
        var end = slice.End;
        var display = start + 1 <= end && text[start + 1] == '$';
        var found = display ? FindDisplayEnd(text, start + 2, end) : FindInlineEnd(text, start + 1, end);
        if (found is not { } close)
        {
            return false;
        }
        var delimiter = display ? 2 : 1;
        var tex = text[(start + delimiter)..close];
        if (string.IsNullOrWhiteSpace(tex))
        {
            return false;
        }
        processor.Inline = new MathSpan
        {
            Tex = tex.Trim(),
            Display = display,
            Source = text[start..(close + delimiter)],
            Span = new(processor.GetSourcePosition(start, out var line, out var column), processor.GetSourcePosition(close + delimiter - 1)),
            Line = line,
            Column = column,
        };
        slice.Start = close + delimiter;
        return true;
    }

    /// <summary>The index of the closing <c>$</c> of an inline formula whose content starts at <paramref name="from"/>.</summary>
    internal static int? FindInlineEnd(string text, int from, int end)
    {
        if (from > end || char.IsWhiteSpace(text[from]) || text[from] == '$')
        {
            return null;
        }
        for (var i = from; i <= end; i++)
        {
            if (text[i] == '\\')
            {
                i++;
                continue;
            }
            if (text[i] == '$' && !char.IsWhiteSpace(text[i - 1]) && !(i + 1 <= end && char.IsAsciiDigit(text[i + 1])))
            {
                return i;
            }
        }
        return null;
    }

    /// <summary>The index of the closing <c>$$</c> of a display formula whose content starts at <paramref name="from"/>.</summary>
    internal static int? FindDisplayEnd(string text, int from, int end)
    {
        if (from <= end && text[from] == '$')
        {
            return null; // three or more: not a delimiter this parser knows
        }
        for (var i = from; i < end; i++)
        {
            if (text[i] == '\\')
            {
                i++;
                continue;
            }
            if (text[i] == '$' && text[i + 1] == '$')
            {
                return i;
            }
        }
        return null;
    }
}

/// <summary>
/// Writes a formula as its source text in a span that the page's script typesets with KaTeX (chat.js): the source is
/// what a reader sees when the script has not run or the formula does not parse, and the TeX travels in an attribute.
/// </summary>
internal sealed class MathSpanRenderer : HtmlObjectRenderer<MathSpan>
{
    protected override void Write(HtmlRenderer renderer, MathSpan math)
    {
        renderer.Write(math.Display ? "<span class=\"math math-display\" data-math=\"display\" data-tex=\"" : "<span class=\"math\" data-math=\"inline\" data-tex=\"");
        renderer.WriteEscape(math.Tex);
        renderer.Write("\">");
        renderer.WriteEscape(math.Source);
        renderer.Write("</span>");
    }
}
