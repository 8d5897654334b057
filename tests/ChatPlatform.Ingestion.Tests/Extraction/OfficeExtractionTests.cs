using ChatPlatform.Ingestion.Extraction;

namespace ChatPlatform.Ingestion.Tests.Extraction;

public sealed class OfficeExtractionTests
{
    [Fact]
    public async Task A_Word_document_reads_as_one_page_with_headings_lists_and_tables()
    {
        var document = await Extractors.ExtractAsync(TestFiles.Docx(), MediaTypes.Docx);

        var page = Assert.Single(document.Pages);
        Assert.Equal(1, page.Number);
        Assert.Equal(
            "# Quarterly report\n\nRevenue grew in every region.\n\n- First finding\n\n- Second finding\n\nRegion\tRevenue\nNorth\t120",
            page.Text);
    }

    [Fact]
    public async Task A_workbook_reads_as_a_page_per_sheet_with_its_name_and_rows()
    {
        var xlsx = TestFiles.Xlsx(
            ("Sales", [["Region", "Units"], ["North", 12], ["South", null, "note"]]),
            ("Costs", [["Rent", 1500.5]]));

        var document = await Extractors.ExtractAsync(xlsx, MediaTypes.Xlsx);

        Assert.Equal([1, 2], document.Pages.Select(p => p.Number));
        Assert.Equal("Sheet: Sales\nRegion\tUnits\nNorth\t12\nSouth\t\tnote", document.Pages[0].Text);
        Assert.Equal("Sheet: Costs\nRent\t1500.5", document.Pages[1].Text);
    }

    [Fact]
    public async Task A_presentation_reads_as_a_page_per_slide_numbered_as_shown()
    {
        var pptx = TestFiles.Pptx("Welcome\nAgenda for today", "Results\nUp 12 percent", "Questions");

        var document = await Extractors.ExtractAsync(pptx, MediaTypes.Pptx);

        Assert.Equal([1, 2, 3], document.Pages.Select(p => p.Number));
        Assert.Equal("Welcome\nAgenda for today", document.Pages[0].Text);
        Assert.Equal("Results\nUp 12 percent", document.Pages[1].Text);
        Assert.Equal("Questions", document.Pages[2].Text);
    }

    [Fact]
    public async Task A_presentation_with_more_slides_than_allowed_fails()
    {
        var error = await Extractors.FailsAsync(TestFiles.Pptx("a", "b", "c"), MediaTypes.Pptx, o => o.MaxPages = 2);

        Assert.Equal("The file has 3 slides; at most 2 can be read.", error.Message);
    }

    [Fact]
    public async Task A_zip_bomb_is_refused_by_its_compression_ratio()
    {
        // 64 MB of one letter packs into about 64 KB: a ratio near 1,000.
        var bomb = TestFiles.ZipBombDocx(64L * 1024 * 1024);

        var error = await Extractors.FailsAsync(bomb, MediaTypes.Docx);

        Assert.Contains("zip bomb", error.Message, StringComparison.Ordinal);
        Assert.Contains("200 times", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_package_that_unpacks_past_the_size_bound_is_refused()
    {
        var bomb = TestFiles.ZipBombDocx(12L * 1024 * 1024);

        var error = await Extractors.FailsAsync(bomb, MediaTypes.Docx, o =>
        {
            o.MaxUnpackedBytes = 8L * 1024 * 1024;
            o.MaxCompressionRatio = 100_000;
        });

        Assert.Equal("The document unpacks to more than 8 MB; it is refused as a possible zip bomb.", error.Message);
    }

    [Fact]
    public async Task A_zip_bomb_whose_directory_claims_small_sizes_is_refused()
    {
        var bomb = TestFiles.ZipBombDocx(12L * 1024 * 1024, lieInDirectory: true);

        var error = await Extractors.FailsAsync(bomb, MediaTypes.Docx, o =>
        {
            o.MaxUnpackedBytes = 8L * 1024 * 1024;
            o.MaxCompressionRatio = 100_000;
        });

        // .NET's zip reader itself stops at the claimed size and calls the entry damaged; the guard's own count of the
        // inflated bytes is what stops it where a reader trusts the directory.
        Assert.True(error.Message.Contains("zip bomb", StringComparison.Ordinal) || error.Message.Contains("damaged", StringComparison.Ordinal), error.Message);
    }

    [Fact]
    public async Task An_honest_package_under_the_bounds_is_read()
    {
        var docx = TestFiles.ZipBombDocx(2L * 1024 * 1024);

        var document = await Extractors.ExtractAsync(docx, MediaTypes.Docx, o => o.MaxCompressionRatio = 100_000);

        Assert.Equal(2 * 1024 * 1024, Assert.Single(document.Pages).Text.Length);
    }

    [Theory]
    [InlineData(MediaTypes.Docx)]
    [InlineData(MediaTypes.Xlsx)]
    [InlineData(MediaTypes.Pptx)]
    public async Task Bytes_that_are_not_an_Office_package_fail_as_damaged(string mediaType)
    {
        var error = await Extractors.FailsAsync(TestFiles.TextPdf("not a zip"), mediaType);

        Assert.Contains("damaged", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_Word_package_holding_a_workbook_fails_as_damaged()
    {
        var error = await Extractors.FailsAsync(TestFiles.Xlsx(("Sheet", [["x"]])), MediaTypes.Docx);

        Assert.Contains("damaged", error.Message, StringComparison.Ordinal);
    }
}
