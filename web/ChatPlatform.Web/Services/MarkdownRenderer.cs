using Markdig;
using Markdig.Renderers;
using Markdig.Renderers.Html;
using Markdig.Renderers.Html.Inlines;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace ChatPlatform.Web.Services;

/// <summary>
/// Renders an answer's Markdown to HTML that is safe to insert: raw HTML is shown as text, links keep only http(s) and
/// mailto targets (others become plain text) and open in a new tab without a referrer, images become links (nothing is
/// fetched from elsewhere), and each code block gets a header with its language and a copy button. Formulas
/// (<see cref="MathSpanParser"/>) and complete <c>mermaid</c> blocks are marked for the page's script to typeset and draw.
/// </summary>
/// <remarks>
/// URLs are checked where they are written, by the renderers of links (inline, reference, bare and image links) and of
/// autolinks, rather than in the parsed tree: a walk of the tree missed the links inside table cells, which the pipe
/// table parser builds after the inlines, and any node a future extension adds would be missed the same way.
/// </remarks>
public sealed class MarkdownRenderer
{
    private static readonly string[] SafeSchemes = ["http", "https", "mailto"];

    private readonly MarkdownPipeline _pipeline = BuildPipeline();

    private static MarkdownPipeline BuildPipeline()
    {
        var builder = new MarkdownPipelineBuilder()
            .UsePipeTables()
            .UseEmphasisExtras()
            .UseTaskLists()
            .UseAutoLinks()
            .DisableHtml();
        builder.InlineParsers.Insert(0, new MathSpanParser());
        return builder.Build();
    }

    public string ToHtml(string markdown)
    {
        var document = Markdown.Parse(markdown, _pipeline);
        using var writer = new StringWriter();
        var renderer = new HtmlRenderer(writer);
        _pipeline.Setup(renderer);
        renderer.ObjectRenderers.ReplaceOrAdd<CodeBlockRenderer>(new CodeBlockWithHeaderRenderer());
        renderer.ObjectRenderers.ReplaceOrAdd<LinkInlineRenderer>(new SafeLinkRenderer());
        renderer.ObjectRenderers.ReplaceOrAdd<AutolinkInlineRenderer>(new SafeAutolinkRenderer());
        renderer.ObjectRenderers.Add(new MathSpanRenderer());
        renderer.Render(document);
        writer.Flush();
        return writer.ToString();
    }

    private static void OpenInNewTab(HtmlAttributes attributes)
    {
        attributes.AddPropertyIfNotExist("target", "_blank");
        attributes.AddPropertyIfNotExist("rel", "noopener noreferrer nofollow");
    }

    /// <summary>
    /// True for an absolute http, https or mailto URL. A URL with whitespace or a control character anywhere is refused
    /// rather than read: a browser drops tabs and line breaks before it reads the scheme (<c>jav&amp;#x09;ascript:</c>).
    /// </summary>
    internal static bool IsSafeUrl(string? url)
    {
        if (string.IsNullOrEmpty(url) || url.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            return false;
        }
        var colon = url.IndexOf(':');
        return colon > 0 && SafeSchemes.Contains(url[..colon], StringComparer.OrdinalIgnoreCase) && Uri.TryCreate(url, UriKind.Absolute, out _);
    }

    private sealed class SafeLinkRenderer : LinkInlineRenderer
    {
        protected override void Write(HtmlRenderer renderer, LinkInline link)
        {
            if (!IsSafeUrl(link.GetDynamicUrl?.Invoke() ?? link.Url))
            {
                // Keep what the link said (an image's alt text), without the link.
                renderer.WriteChildren(link);
                return;
            }
            link.IsImage = false;
            OpenInNewTab(link.GetAttributes());
            base.Write(renderer, link);
        }
    }

    private sealed class SafeAutolinkRenderer : AutolinkInlineRenderer
    {
        protected override void Write(HtmlRenderer renderer, AutolinkInline link)
        {
            if (!IsSafeUrl(link.IsEmail ? "mailto:" + link.Url : link.Url))
            {
                renderer.WriteEscape(link.Url);
                return;
            }
            OpenInNewTab(link.GetAttributes());
            base.Write(renderer, link);
        }
    }

    private sealed class CodeBlockWithHeaderRenderer : CodeBlockRenderer
    {
        protected override void Write(HtmlRenderer renderer, CodeBlock obj)
        {
            var info = (obj as FencedCodeBlock)?.Info?.Trim();
            var language = string.IsNullOrEmpty(info) ? "text" : info.Split(' ', 2)[0];
            // A diagram is drawn once its closing fence has arrived, not redrawn with every streamed token.
            var diagram = language.Equals("mermaid", StringComparison.OrdinalIgnoreCase) && obj is FencedCodeBlock { ClosingFencedCharCount: > 0 };
            renderer.Write(diagram ? "<div class=\"code-block\" data-mermaid>" : "<div class=\"code-block\">");
            renderer.Write("<div class=\"code-head\"><span class=\"code-lang\">");
            renderer.WriteEscape(language);
            renderer.Write("</span><button type=\"button\" class=\"copy-code\" data-copy-code aria-label=\"Copy code\">Copy</button></div>");
            base.Write(renderer, obj);
            renderer.Write("</div>");
        }
    }
}
