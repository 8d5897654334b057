using ChatPlatform.Web.Services;

namespace ChatPlatform.Web.Tests.Services;

public sealed class MarkdownRendererTests
{
    private readonly MarkdownRenderer _markdown = new();

    [Fact]
    public void Raw_html_is_shown_as_text()
    {
        var html = _markdown.ToHtml("""Hi <script>alert(1)</script> and <img src=x onerror="alert(2)">""");

        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html);
        Assert.Contains("&lt;img src=x onerror=&quot;alert(2)&quot;&gt;", html);
    }

    [Fact]
    public void Html_blocks_are_shown_as_text_too()
    {
        var html = _markdown.ToHtml("<div onclick=\"alert(1)\">\n\n<iframe src=\"https://example.com\"></iframe>\n</div>");

        Assert.DoesNotContain("<div", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<iframe", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("&lt;iframe", html);
    }

    [Theory]
    [InlineData("[click](javascript:alert(1))")]
    [InlineData("[click](JavaScript:alert(1))")]
    [InlineData("[click](data:text/html;base64,PHNjcmlwdD4=)")]
    [InlineData("[click](vbscript:msgbox)")]
    [InlineData("[click](/relative/path)")]
    public void Links_to_anything_but_http_and_mailto_become_plain_text(string markdown)
    {
        var html = _markdown.ToHtml(markdown);

        Assert.DoesNotContain("<a", html, StringComparison.Ordinal);
        Assert.Contains("click", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Web_links_open_in_a_new_tab_without_referrer()
    {
        var html = _markdown.ToHtml("See [the docs](https://example.com/docs) or https://example.org");

        Assert.Contains("""<a href="https://example.com/docs" target="_blank" rel="noopener noreferrer nofollow">the docs</a>""", html);
        Assert.Contains("""href="https://example.org" target="_blank" rel="noopener noreferrer nofollow""", html);
    }

    [Fact]
    public void Images_become_links_so_nothing_is_fetched_from_elsewhere()
    {
        var html = _markdown.ToHtml("![a tracker](https://example.com/pixel.png)");

        Assert.DoesNotContain("<img", html, StringComparison.Ordinal);
        Assert.Contains("""<a href="https://example.com/pixel.png" target="_blank" rel="noopener noreferrer nofollow">a tracker</a>""", html);
    }

    [Fact]
    public void Code_blocks_get_their_language_and_a_copy_button_and_keep_code_escaped()
    {
        var html = _markdown.ToHtml("```csharp\nvar tag = \"<b>\";\n```");

        Assert.Contains("""<span class="code-lang">csharp</span>""", html);
        Assert.Contains("""<button type="button" class="copy-code" data-copy-code aria-label="Copy code">Copy</button>""", html);
        Assert.Contains("""<code class="language-csharp">var tag = &quot;&lt;b&gt;&quot;;""", html);
    }

    [Fact]
    public void A_code_block_without_a_language_is_labelled_text_and_a_hostile_language_is_escaped()
    {
        Assert.Contains("""<span class="code-lang">text</span>""", _markdown.ToHtml("```\nplain\n```"));
        var hostile = _markdown.ToHtml("```\"><script>x</script>\ncode\n```");
        Assert.DoesNotContain("<script", hostile, StringComparison.Ordinal);
    }

    [Fact]
    public void Tables_lists_and_math_as_text()
    {
        var html = _markdown.ToHtml("| a | b |\n|---|---|\n| 1 | 2 |\n\n- one\n- two\n\n$E = mc^2$");

        Assert.Contains("<table>", html);
        Assert.Contains("<td>1</td>", html);
        Assert.Contains("<li>one</li>", html);
        Assert.Contains("$E = mc^2$", html);
    }

    [Fact]
    public void An_unfinished_stream_renders_without_breaking()
    {
        var html = _markdown.ToHtml("Here is code:\n```python\ndef f(");

        Assert.Contains("""<code class="language-python">def f(""", html);
    }
}
