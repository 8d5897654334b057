using System.Text;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;

namespace ChatPlatform.Ingestion.Extraction;

/// <summary>
/// The text a browser would show: parsed as a browser parses (AngleSharp), without scripts, styles, templates and hidden
/// elements, a line per block and a tab between table cells.
/// </summary>
public static class HtmlTextExtractor
{
    private static readonly HashSet<string> Invisible = new(StringComparer.OrdinalIgnoreCase)
    {
        "script", "style", "noscript", "template", "head", "iframe", "object", "embed", "svg", "math", "canvas",
    };

    private static readonly HashSet<string> Blocks = new(StringComparer.OrdinalIgnoreCase)
    {
        "p", "div", "section", "article", "main", "aside", "header", "footer", "nav", "h1", "h2", "h3", "h4", "h5", "h6",
        "ul", "ol", "li", "dl", "dt", "dd", "table", "tr", "pre", "blockquote", "figure", "figcaption", "form", "hr",
        "address", "details", "summary", "caption",
    };

    public static string Extract(string html)
    {
        var document = new HtmlParser().ParseDocument(html);
        var text = new StringBuilder();
        var title = document.Title?.Trim();
        if (!string.IsNullOrEmpty(title))
        {
            text.Append(title).Append("\n\n");
        }
        if (document.Body is { } body)
        {
            Append(body, text);
        }
        return Tidy(text.ToString());
    }

    private static void Append(INode node, StringBuilder text)
    {
        foreach (var child in node.ChildNodes)
        {
            switch (child)
            {
                case IText t:
                    text.Append(t.Data);
                    break;
                case IElement { LocalName: "br" }:
                    text.Append('\n');
                    break;
                case IElement element when !IsHidden(element):
                    var block = Blocks.Contains(element.LocalName);
                    if (block)
                    {
                        text.Append('\n');
                    }
                    Append(element, text);
                    if (block)
                    {
                        text.Append('\n');
                    }
                    else if (element.LocalName is "td" or "th")
                    {
                        text.Append('\t');
                    }
                    break;
            }
        }
    }

    private static bool IsHidden(IElement element) =>
        Invisible.Contains(element.LocalName)
        || element.HasAttribute("hidden")
        || string.Equals(element.GetAttribute("aria-hidden"), "true", StringComparison.OrdinalIgnoreCase)
        || (element.GetAttribute("style") is { } style && style.Replace(" ", "", StringComparison.Ordinal).Contains("display:none", StringComparison.OrdinalIgnoreCase));

    // Collapses the source's indentation as a browser does: runs of spaces become one, and at most one blank line remains.
    private static string Tidy(string text)
    {
        var lines = text.Split('\n')
            .Select(line => string.Join(' ', line.Split([' ', '\r', '\u00A0'], StringSplitOptions.RemoveEmptyEntries)).Trim('\t', ' '));
        var result = new StringBuilder();
        var blank = 0;
        foreach (var line in lines)
        {
            if (line.Length == 0)
            {
                blank++;
                continue;
            }
            if (result.Length > 0)
            {
                result.Append(blank > 0 ? "\n\n" : "\n");
            }
            result.Append(line);
            blank = 0;
        }
        return result.ToString();
    }
}
