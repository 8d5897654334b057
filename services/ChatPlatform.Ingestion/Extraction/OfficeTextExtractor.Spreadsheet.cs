using System.Globalization;
using System.Text;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;

namespace ChatPlatform.Ingestion.Extraction;

// A workbook is a page per sheet, in the workbook's order: the sheet's name, then its rows as tab-separated cells. Rows
// are read with the SDK's streaming reader, so a large sheet is never held as one tree.
public sealed partial class OfficeTextExtractor
{
    private ExtractedDocument ReadSpreadsheet(string path, OpenSettings settings, CancellationToken cancellationToken)
    {
        using var document = SpreadsheetDocument.Open(path, isEditable: false, settings);
        var workbook = document.WorkbookPart ?? throw new ExtractionException("The Excel workbook has no sheets to read.");
        var sheets = workbook.Workbook?.Sheets?.Elements<Sheet>().ToList() ?? [];
        CheckPageCount(sheets.Count, "sheets");
        var strings = workbook.SharedStringTablePart?.SharedStringTable?.Elements<SharedStringItem>().Select(s => s.InnerText).ToArray() ?? [];

        var pages = new List<ExtractedPage>(sheets.Count);
        long characters = 0;
        foreach (var sheet in sheets)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var text = new StringBuilder().Append("Sheet: ").Append(sheet.Name?.Value).Append('\n');
            if (sheet.Id?.Value is { } id && workbook.TryGetPartById(id, out var part) && part is WorksheetPart worksheet)
            {
                AppendRows(worksheet, strings, text, characters, cancellationToken);
            }
            characters += text.Length;
            CheckLength(characters);
            pages.Add(new ExtractedPage(pages.Count + 1, Clean(text), Ocr: false));
        }
        return new ExtractedDocument(pages);
    }

    private void AppendRows(WorksheetPart worksheet, string[] strings, StringBuilder text, long before, CancellationToken cancellationToken)
    {
        using var reader = OpenXmlReader.Create(worksheet);
        while (reader.Read())
        {
            if (reader.ElementType != typeof(Row) || !reader.IsStartElement)
            {
                continue;
            }
            cancellationToken.ThrowIfCancellationRequested();
            var row = (Row)reader.LoadCurrentElement()!;
            // Slot k of a row follows k tabs, so empty cells keep their place and columns line up under their headers.
            var tabs = 0;
            var next = 0;
            var line = new StringBuilder();
            foreach (var cell in row.Elements<Cell>())
            {
                var value = CellValue(cell, strings);
                if (value.Length == 0)
                {
                    continue;
                }
                var slot = Math.Max(ColumnIndex(cell.CellReference?.Value) ?? next, next);
                line.Append('\t', slot - tabs).Append(value);
                tabs = slot;
                next = slot + 1;
            }
            if (line.Length > 0)
            {
                text.Append(line).Append('\n');
                CheckLength(before + text.Length);
            }
        }
    }

    private static string CellValue(Cell cell, string[] strings)
    {
        var raw = cell.CellValue?.Text ?? "";
        if (cell.DataType?.Value is not { } type)
        {
            return raw;
        }
        if (type == CellValues.SharedString)
        {
            return int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index < strings.Length ? strings[index] : "";
        }
        if (type == CellValues.InlineString)
        {
            return cell.InlineString?.InnerText ?? "";
        }
        if (type == CellValues.Boolean)
        {
            return raw == "1" ? "TRUE" : "FALSE";
        }
        return raw;
    }

    // "AB12" -> 27 (zero-based); null when the reference is missing or malformed.
    private static int? ColumnIndex(string? reference)
    {
        if (string.IsNullOrEmpty(reference))
        {
            return null;
        }
        var index = 0;
        var letters = 0;
        foreach (var c in reference)
        {
            if (c is < 'A' or > 'Z')
            {
                break;
            }
            index = index * 26 + (c - 'A' + 1);
            if (++letters > 3)
            {
                return null;
            }
        }
        return letters == 0 ? null : index - 1;
    }
}
