using ChatPlatform.Web.Model;
using ChatPlatform.Web.Services;

namespace ChatPlatform.Web.Tests.Services;

/// <summary>An answer's [n] markers become links to the cited file and page, in the HTML the Markdown renderer writes.</summary>
public sealed class CitationLinkerTests
{
    private static readonly Guid Report = Guid.Parse("0193a000-0000-7000-8000-000000000001");
    private static readonly Guid Notes = Guid.Parse("0193a000-0000-7000-8000-000000000002");
    private readonly MarkdownRenderer _markdown = new();

    private static readonly Citation[] Citations =
    [
        new(1, Report, "Quarterly <report>.pdf", 7),
        new(2, Notes, "notes.md", null),
    ];

    [Fact]
    public void A_cited_marker_links_to_the_file_at_its_page_and_a_file_without_pages_to_the_file()
    {
        var html = CitationLinker.Link(_markdown.ToHtml("Revenue grew 12% [1], as planned [2]."), Citations);

        Assert.Contains($"<a class=\"citation\" href=\"files/{Report}?page=7\" target=\"_blank\" rel=\"noopener noreferrer\" " +
            "title=\"Quarterly &lt;report&gt;.pdf, page 7\">[1]</a>", html);
        Assert.Contains($"href=\"files/{Notes}\"", html);
        Assert.Contains("title=\"notes.md\">[2]</a>", html);
    }

    [Fact]
    public void Markers_no_citation_names_stay_text()
    {
        var html = CitationLinker.Link(_markdown.ToHtml("See [3] and [1]."), Citations);

        Assert.Contains("See [3] and", html);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(html, "class=\"citation\""));
    }

    [Fact]
    public void Markers_in_code_and_in_links_are_left_alone()
    {
        var markdown = "Use `items[1]` or\n\n```python\nprint(values[1])\n```\n\nand [the site [1]](https://example.com/a) then [1].";

        var html = CitationLinker.Link(_markdown.ToHtml(markdown), Citations);

        Assert.Contains("<code>items[1]</code>", html);
        Assert.Contains("print(values[1])", html);
        Assert.Contains("the site [1]</a>", html);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(html, "class=\"citation\""));
        Assert.EndsWith("then <a class=\"citation\"", html[..html.LastIndexOf(" href=", StringComparison.Ordinal)]);
    }

    [Fact]
    public void A_marker_naming_several_sources_links_each_it_cites()
    {
        var html = CitationLinker.Link(_markdown.ToHtml("Both agree [1, 2, 5]."), Citations);

        Assert.Contains($"Both agree [<a class=\"citation\" href=\"files/{Report}?page=7\"", html);
        Assert.Contains("title=\"notes.md\">2</a>, 5].", html);
    }

    [Fact]
    public void Without_citations_the_html_is_unchanged()
    {
        var html = _markdown.ToHtml("Plain [1] answer.");

        Assert.Same(html, CitationLinker.Link(html, []));
    }
}
