using ChatPlatform.Web.Services;

namespace ChatPlatform.Web.Tests.Services;

public sealed class MathSpansTests
{
    private readonly MarkdownRenderer _markdown = new();

    [Theory]
    [InlineData("Energy is $E = mc^2$ here.", "E = mc^2")]
    [InlineData("$x$", "x")]
    [InlineData("Sum $a_1 + a_2$, done", "a_1 + a_2")]
    [InlineData("Escaped $a \\$ b$ dollar", "a \\$ b")]
    public void A_dollar_pair_is_an_inline_formula(string markdown, string tex)
    {
        var html = _markdown.ToHtml(markdown);

        Assert.Contains($"<span class=\"math\" data-math=\"inline\" data-tex=\"{tex}\">${tex}$</span>", html);
    }

    [Theory]
    [InlineData("It costs $5 and $10.")]
    [InlineData("Between $ 5 and 10$ there")]
    [InlineData("From $x $ to y")]
    [InlineData("Pay $x$5 now")]
    [InlineData("A lone $ sign")]
    [InlineData("Unfinished $x^2 while streaming")]
    [InlineData("Empty $$ $$ display")]
    public void Prices_and_unclosed_dollars_stay_text(string markdown)
    {
        var html = _markdown.ToHtml(markdown);

        Assert.DoesNotContain("class=\"math", html);
        Assert.Contains("$", html);
    }

    [Fact]
    public void Double_dollars_make_a_display_formula_across_lines()
    {
        var html = _markdown.ToHtml("Before\n\n$$\n\\int_0^1 x\\,dx = \\frac{1}{2}\n$$\n\nAfter");

        Assert.Contains("<span class=\"math math-display\" data-math=\"display\" data-tex=\"\\int_0^1 x\\,dx = \\frac{1}{2}\">", html);
    }

    [Fact]
    public void Emphasis_markers_inside_a_formula_are_tex_not_emphasis()
    {
        var html = _markdown.ToHtml("See $a_1 * b_2 * c$ and *this*");

        Assert.Contains("data-tex=\"a_1 * b_2 * c\"", html);
        Assert.Contains("<em>this</em>", html);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(html, "<em>"));
    }

    [Theory]
    [InlineData("`$x$` in code")]
    [InlineData("```\n$x$\n```")]
    public void Dollars_in_code_are_not_formulas(string markdown)
    {
        Assert.DoesNotContain("class=\"math", _markdown.ToHtml(markdown));
    }

    [Fact]
    public void A_hostile_formula_is_escaped_text_in_the_span_and_its_attribute()
    {
        var html = _markdown.ToHtml("$\\href{javascript:alert(1)}{x}<img src=x onerror=alert(2)>\"$");

        Assert.DoesNotContain("<img", html);
        Assert.DoesNotContain("<a", html);
        Assert.Contains("data-tex=\"\\href{javascript:alert(1)}{x}&lt;img src=x onerror=alert(2)&gt;&quot;\"", html);
    }

    [Fact]
    public void A_mermaid_block_is_marked_for_drawing_only_once_its_fence_is_closed()
    {
        var closed = _markdown.ToHtml("```mermaid\ngraph TD\nA-->B\n```\n");
        var streaming = _markdown.ToHtml("```mermaid\ngraph TD\nA-->");
        var python = _markdown.ToHtml("```python\nprint(1)\n```\n");

        Assert.Contains("<div class=\"code-block\" data-mermaid>", closed);
        Assert.Contains("<code class=\"language-mermaid\">graph TD\nA--&gt;B\n</code>", closed);
        Assert.DoesNotContain("data-mermaid", streaming);
        Assert.Contains("language-mermaid", streaming);
        Assert.DoesNotContain("data-mermaid", python);
    }
}
