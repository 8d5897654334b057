using System.Net;
using System.Text.RegularExpressions;
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

    // Every way a Markdown answer can carry a URL, with every scheme a browser would run or load, plain, in mixed case,
    // and hidden behind entities, whitespace and control characters that a browser drops before reading the scheme.
    public static TheoryData<string> HostileMarkdown()
    {
        string[] targets =
        [
            "javascript:alert(1)", "JaVaScRiPt:alert(1)", "JAVASCRIPT:alert(1)", "jav&#x09;ascript:alert(1)",
            "jav&#9;ascript:alert(1)", "java&Tab;script:alert(1)", "java&NewLine;script:alert(1)", "&#106;avascript:alert(1)",
            "&#x6A;avascript:alert(1)", "javascript&colon;alert(1)", "javascript&#58;alert(1)", "&#x20;javascript:alert(1)",
            "&#0;javascript:alert(1)", "java%73cript:alert(1)", "vbscript:msgbox(1)", "VBScript:msgbox(1)",
            "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", "DATA:text/html,<script>alert(1)</script>",
            "file:///etc/passwd", "livescript:alert(1)", "about:blank", "blob:https://example.com/x", "chrome://settings",
        ];
        var data = new TheoryData<string>();
        foreach (var target in targets)
        {
            data.Add($"[click]({target})");
            data.Add($"![click]({target})");
            data.Add($"[click][ref]\n\n[ref]: {target}");
            data.Add($"![click][ref]\n\n[ref]: {target}");
            data.Add($"[click]\n\n[click]: {target}");
            data.Add($"[click](<{target}>)");
            data.Add($"[click]({target} \"title\")");
            data.Add($"<{target}>");
            data.Add($"- [ ] a task with <{target}>");
            data.Add($"| a |\n|---|\n| <{target}> [click]({target}) |");
            data.Add($"> quoted [click]({target})");
        }
        data.Add("<JAVASCRIPT:alert(1)@example.com>");
        data.Add("[**bold**](javascript:alert(1))");
        data.Add("[a [nested](javascript:alert(1)) link](https://example.com)");
        return data;
    }

    [Theory]
    [MemberData(nameof(HostileMarkdown))]
    public void No_url_with_a_scheme_other_than_http_https_or_mailto_is_emitted(string markdown)
    {
        var html = _markdown.ToHtml(markdown);

        foreach (var url in EmittedUrls(html))
        {
            Assert.True(url.StartsWith("https://", StringComparison.OrdinalIgnoreCase) || url.StartsWith("http://", StringComparison.OrdinalIgnoreCase)
                || url.StartsWith("mailto:", StringComparison.OrdinalIgnoreCase), $"{markdown} emitted {url}: {html}");
        }
        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void An_autolink_with_a_script_scheme_shows_as_text()
    {
        var html = _markdown.ToHtml("Click <javascript:alert(1)> now");

        Assert.DoesNotContain("<a", html, StringComparison.Ordinal);
        Assert.Contains("javascript:alert(1)", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("<https://example.com/a>", "https://example.com/a")]
    [InlineData("<HTTP://EXAMPLE.COM/>", "HTTP://EXAMPLE.COM/")]
    [InlineData("<someone@example.com>", "mailto:someone@example.com")]
    [InlineData("<mailto:someone@example.com>", "mailto:someone@example.com")]
    [InlineData("[ref link][r]\n\n[r]: https://example.com/r", "https://example.com/r")]
    [InlineData("www.example.com", "http://www.example.com")]
    public void Safe_links_of_every_kind_stay_links(string markdown, string href)
    {
        var html = _markdown.ToHtml(markdown);

        Assert.Equal([href], EmittedUrls(html));
        Assert.Contains("""target="_blank" rel="noopener noreferrer nofollow""", html, StringComparison.Ordinal);
    }

    // Every attribute that takes a URL, as the browser reads it (entities decoded).
    private static List<string> EmittedUrls(string html) =>
        [.. Regex.Matches(html, "(?:href|src|action|formaction|srcset|poster)\\s*=\\s*\"([^\"]*)\"", RegexOptions.IgnoreCase)
            .Select(m => WebUtility.HtmlDecode(m.Groups[1].Value))];

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
