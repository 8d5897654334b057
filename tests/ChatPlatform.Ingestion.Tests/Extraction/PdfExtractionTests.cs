using ChatPlatform.Ingestion.Extraction;

namespace ChatPlatform.Ingestion.Tests.Extraction;

public sealed class PdfExtractionTests
{
    [Fact]
    public async Task Each_page_keeps_its_number_and_its_text()
    {
        var pdf = TestFiles.TextPdf("The harbour opens at dawn.", "Ships leave before noon.", "Page three names the captain.");

        var document = await Extractors.ExtractAsync(pdf, MediaTypes.Pdf);

        Assert.Equal([1, 2, 3], document.Pages.Select(p => p.Number));
        Assert.Equal("The harbour opens at dawn.", document.Pages[0].Text);
        Assert.Equal("Ships leave before noon.", document.Pages[1].Text);
        Assert.Equal("Page three names the captain.", document.Pages[2].Text);
        Assert.All(document.Pages, p => Assert.False(p.Ocr));
    }

    [Fact]
    public async Task A_page_that_is_only_an_image_of_text_is_read_by_OCR()
    {
        var pdf = TestFiles.ScannedPdf("Invoice number 4711\nTotal due: 980 euros");

        var document = await Extractors.ExtractAsync(pdf, MediaTypes.Pdf);

        var page = Assert.Single(document.Pages);
        Assert.True(page.Ocr);
        Assert.Equal(1, page.Number);
        Assert.Contains("Invoice number 4711", page.Text, StringComparison.Ordinal);
        Assert.Contains("980 euros", page.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_password_protected_PDF_fails_saying_so()
    {
        var error = await Extractors.FailsAsync(TestFiles.EncryptedPdf("Secret plans"), MediaTypes.Pdf);

        Assert.Equal("The PDF is password-protected.", error.Message);
    }

    [Fact]
    public async Task A_PDF_encrypted_with_only_an_owner_password_opens_as_any_reader_opens_it()
    {
        var document = await Extractors.ExtractAsync(TestFiles.EncryptedPdf("Printing restricted", userPassword: false), MediaTypes.Pdf);

        Assert.Equal("Printing restricted", Assert.Single(document.Pages).Text);
    }

    [Fact]
    public async Task A_corrupt_PDF_fails_as_damaged()
    {
        var pdf = TestFiles.TextPdf("Fine until the middle.");
        var corrupt = pdf[..(pdf.Length / 3)].Concat(new byte[200]).ToArray();

        var error = await Extractors.FailsAsync(corrupt, MediaTypes.Pdf);

        Assert.Contains("damaged", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bytes_that_are_not_a_PDF_fail_as_damaged()
    {
        var error = await Extractors.FailsAsync(TestFiles.Docx(), MediaTypes.Pdf);

        Assert.Contains("damaged", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_PDF_with_more_pages_than_allowed_fails_before_reading_them()
    {
        var pdf = TestFiles.TextPdf("one", "two", "three");

        var error = await Extractors.FailsAsync(pdf, MediaTypes.Pdf, o => o.MaxPages = 2);

        Assert.Equal("The PDF has 3 pages; at most 2 can be read.", error.Message);
    }

    [Fact]
    public async Task A_PDF_with_more_text_than_allowed_fails()
    {
        var pdf = TestFiles.TextPdf("A first page of some length.", "A second page of some length.");

        var error = await Extractors.FailsAsync(pdf, MediaTypes.Pdf, o => o.MaxCharacters = 40);

        Assert.Contains("more than 40 characters", error.Message, StringComparison.Ordinal);
    }
}
