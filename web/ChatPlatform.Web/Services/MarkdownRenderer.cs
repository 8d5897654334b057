using Markdig;
using Markdig.Renderers;
using Markdig.Renderers.Html;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace ChatPlatform.Web.Services;

/// <summary>
/// Renders an answer's Markdown to HTML that is safe to insert: raw HTML is shown as text, links keep only http(s) and
/// mailto targets (others become plain text) and open in a new tab without a referrer, images become links (nothing is
/// fetched from elsewhere), and each code block gets a header with its language and a copy button.
/// </summary>
public sealed class MarkdownRenderer
{
    private static readonly string[] SafeSchemes = ["http", "https", "mailto"];

    private readonly MarkdownPipeline _pipeline = new MarkdownPipelineBuilder()
        .UsePipeTables()
        .UseEmphasisExtras()
        .UseTaskLists()
        .UseAutoLinks()
        .DisableHtml()
        .Build();

    public string ToHtml(string markdown)
    {
        var document = Markdown.Parse(markdown, _pipeline);
        foreach (var link in document.Descendants<LinkInline>().ToList())
        {
            MakeSafe(link);
        }
        foreach (var autolink in document.Descendants<AutolinkInline>().ToList())
        {
            if (!IsSafeUrl(autolink.IsEmail ? "mailto:" + autolink.Url : autolink.Url))
            {
                autolink.ReplaceBy(new LiteralInline(autolink.Url));
            }
            else
            {
                OpenInNewTab(autolink.GetAttributes());
            }
        }
        using var writer = new StringWriter();
        var renderer = new HtmlRenderer(writer);
        _pipeline.Setup(renderer);
        renderer.ObjectRenderers.ReplaceOrAdd<CodeBlockRenderer>(new CodeBlockWithHeaderRenderer());
        renderer.Render(document);
        writer.Flush();
        return writer.ToString();
    }

    private static void MakeSafe(LinkInline link)
    {
        link.IsImage = false;
        if (IsSafeUrl(link.Url))
        {
            OpenInNewTab(link.GetAttributes());
            return;
        }
        // Keep what the link said, without the link.
        var child = link.FirstChild;
        while (child is not null)
        {
            var next = child.NextSibling;
            child.Remove();
            link.InsertBefore(child);
            child = next;
        }
        link.Remove();
    }

    private static void OpenInNewTab(HtmlAttributes attributes)
    {
        attributes.AddPropertyIfNotExist("target", "_blank");
        attributes.AddPropertyIfNotExist("rel", "noopener noreferrer nofollow");
    }

    internal static bool IsSafeUrl(string? url) =>
        Uri.TryCreate(url?.Trim(), UriKind.Absolute, out var uri) && SafeSchemes.Contains(uri.Scheme, StringComparer.OrdinalIgnoreCase);

    private sealed class CodeBlockWithHeaderRenderer : CodeBlockRenderer
    {
        protected override void Write(HtmlRenderer renderer, CodeBlock obj)
        {
            var info = (obj as FencedCodeBlock)?.Info?.Trim();
            var language = string.IsNullOrEmpty(info) ? "text" : info.Split(' ', 2)[0];
            renderer.Write("<div class=\"code-block\"><div class=\"code-head\"><span class=\"code-lang\">");
            renderer.WriteEscape(language);
            renderer.Write("</span><button type=\"button\" class=\"copy-code\" data-copy-code aria-label=\"Copy code\">Copy</button></div>");
            base.Write(renderer, obj);
            renderer.Write("</div>");
        }
    }
}
