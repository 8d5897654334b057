using System.Text;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Wordprocessing;

namespace ChatPlatform.Ingestion.Extraction;

// A Word document has no pages until it is laid out: its body is one page, headings marked as in Markdown, list items
// with a dash, table rows as tab-separated cells.
public sealed partial class OfficeTextExtractor
{
    private ExtractedDocument ReadWord(string path, OpenSettings settings)
    {
        using var document = WordprocessingDocument.Open(path, isEditable: false, settings);
        var body = document.MainDocumentPart?.Document?.Body
            ?? throw new ExtractionException("The Word document has no body to read.");
        var text = new StringBuilder();
        AppendBlocks(body, text);
        CheckLength(text.Length);
        return new ExtractedDocument([new ExtractedPage(1, Clean(text), Ocr: false)]);
    }

    private void AppendBlocks(OpenXmlElement container, StringBuilder text)
    {
        foreach (var element in container.Elements())
        {
            switch (element)
            {
                case Paragraph paragraph:
                    var line = ParagraphText(paragraph);
                    if (line.Length > 0)
                    {
                        text.Append(Prefix(paragraph)).Append(line).Append("\n\n");
                    }
                    break;
                case Table table:
                    foreach (var row in table.Elements<TableRow>())
                    {
                        text.AppendJoin('\t', row.Elements<TableCell>().Select(CellText)).Append('\n');
                    }
                    text.Append('\n');
                    break;
                default:
                    // Content controls, custom XML and the like wrap ordinary paragraphs and tables.
                    AppendBlocks(element, text);
                    break;
            }
            CheckLength(text.Length);
        }
    }

    private static string CellText(TableCell cell) =>
        string.Join(' ', cell.Descendants<Paragraph>().Select(ParagraphText).Where(t => t.Length > 0));

    private static string ParagraphText(Paragraph paragraph)
    {
        var text = new StringBuilder();
        foreach (var element in paragraph.Descendants())
        {
            switch (element)
            {
                case Text t:
                    text.Append(t.Text);
                    break;
                case TabChar:
                    text.Append('\t');
                    break;
                case Break or CarriageReturn:
                    text.Append('\n');
                    break;
            }
        }
        return text.ToString().Trim();
    }

    private static string Prefix(Paragraph paragraph)
    {
        var properties = paragraph.ParagraphProperties;
        var style = properties?.ParagraphStyleId?.Val?.Value;
        if (style is not null && style.StartsWith("Heading", StringComparison.OrdinalIgnoreCase)
            && int.TryParse(style.AsSpan("Heading".Length), out var level) && level is >= 1 and <= 6)
        {
            return new string('#', level) + " ";
        }
        if (string.Equals(style, "Title", StringComparison.OrdinalIgnoreCase))
        {
            return "# ";
        }
        return properties?.NumberingProperties is not null ? "- " : "";
    }
}
