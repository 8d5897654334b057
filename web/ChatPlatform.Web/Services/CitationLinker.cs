using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using ChatPlatform.Web.Model;

namespace ChatPlatform.Web.Services;

/// <summary>
/// Turns an answer's citation markers (<c>[1]</c>) into links to the cited file at its page, in HTML the
/// <see cref="MarkdownRenderer"/> wrote. Only text is touched: never a tag, code (a <c>[1]</c> in code is an index) or
/// the text of a link; only numbers the answer's citations name (a marker the model made up stays text).
/// </summary>
public static partial class CitationLinker
{
    public static string Link(string html, IReadOnlyList<Citation> citations)
    {
        if (citations.Count == 0 || !html.Contains('['))
        {
            return html;
        }
        var bySource = citations.GroupBy(c => c.Source).ToDictionary(g => g.Key, g => g.First());
        var output = new StringBuilder(html.Length + 64);
        var codeDepth = 0;
        var inLink = false;
        var position = 0;
        while (position < html.Length)
        {
            var tagStart = html.IndexOf('<', position);
            var textEnd = tagStart < 0 ? html.Length : tagStart;
            var text = html.AsSpan(position, textEnd - position);
            if (codeDepth == 0 && !inLink)
            {
                output.Append(Marker().Replace(text.ToString(), match => Linked(match, bySource)));
            }
            else
            {
                output.Append(text);
            }
            if (tagStart < 0)
            {
                break;
            }
            // The renderer escapes every '>' in text and attributes, so the tag ends at the next one.
            var tagEnd = html.IndexOf('>', tagStart);
            tagEnd = tagEnd < 0 ? html.Length - 1 : tagEnd;
            var tag = html.AsSpan(tagStart, tagEnd - tagStart + 1);
            if (IsTag(tag, "code") || IsTag(tag, "pre"))
            {
                codeDepth++;
            }
            else if ((IsTag(tag, "/code") || IsTag(tag, "/pre")) && codeDepth > 0)
            {
                codeDepth--;
            }
            else if (IsTag(tag, "a"))
            {
                inLink = true;
            }
            else if (IsTag(tag, "/a"))
            {
                inLink = false;
            }
            output.Append(tag);
            position = tagEnd + 1;
        }
        return output.ToString();
    }

    /// <summary>Where a citation opens: the file's page in this app (FileView), at the cited page when it has one.</summary>
    public static string HrefOf(Citation citation) =>
        citation.Page is { } page ? $"files/{citation.FileId}?page={page}" : $"files/{citation.FileId}";

    public static string TitleOf(Citation citation) =>
        citation.Page is { } page ? $"{citation.FileName}, page {page}" : citation.FileName;

    /// <summary><c>[1]</c> becomes one link; <c>[1, 2]</c> keeps its brackets around a link per number it cites.</summary>
    private static string Linked(Match match, Dictionary<int, Citation> bySource)
    {
        var numbers = match.Groups[1].Value.Split(',', StringSplitOptions.TrimEntries);
        var cited = numbers.Select(n => int.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out var source) && bySource.TryGetValue(source, out var citation)
            ? citation : null).ToList();
        if (cited.All(c => c is null))
        {
            return match.Value;
        }
        if (numbers.Length == 1)
        {
            return LinkTo(cited[0]!, $"[{cited[0]!.Source}]");
        }
        return "[" + string.Join(", ", numbers.Zip(cited, (number, citation) => citation is null ? number : LinkTo(citation, number))) + "]";
    }

    private static string LinkTo(Citation citation, string text) =>
        $"<a class=\"citation\" href=\"{WebUtility.HtmlEncode(HrefOf(citation))}\" target=\"_blank\" rel=\"noopener noreferrer\" " +
        $"title=\"{WebUtility.HtmlEncode(TitleOf(citation))}\">{text}</a>";

    private static bool IsTag(ReadOnlySpan<char> tag, string name) =>
        tag.Length > name.Length + 1
        && tag[1..].StartsWith(name, StringComparison.OrdinalIgnoreCase)
        && tag[name.Length + 1] is '>' or ' ' or '/' or '\t' or '\n';

    [GeneratedRegex(@"\[(\d{1,4}(?:\s*,\s*\d{1,4}){0,9})\]")]
    private static partial Regex Marker();
}
