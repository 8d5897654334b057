using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using PdfSharp.Drawing;
using PdfSharp.Fonts;
using PdfSharp.Pdf;
using PdfSharp.Pdf.Security;
using Drawing = DocumentFormat.OpenXml.Drawing;
using Presentation = DocumentFormat.OpenXml.Presentation;
using Spreadsheet = DocumentFormat.OpenXml.Spreadsheet;
using Word = DocumentFormat.OpenXml.Wordprocessing;

namespace ChatPlatform.Ingestion.Tests.Extraction;

/// <summary>Real files made at run time: PDFs by PDFsharp, images by poppler from those PDFs, Office files by OpenXml.</summary>
internal static class TestFiles
{
    static TestFiles()
    {
        // PDFsharp's core build finds no system fonts on Linux: DejaVu comes with .ci/setup (fonts-dejavu-core).
        GlobalFontSettings.FontResolver ??= new DejaVuFontResolver();
    }

    /// <summary>A PDF with one page of text for each string, in a 14-point font.</summary>
    public static byte[] TextPdf(params string[] pages) => Pdf(document =>
    {
        var font = new XFont("DejaVu Sans", 14);
        foreach (var text in pages)
        {
            var page = document.AddPage();
            using var graphics = XGraphics.FromPdfPage(page);
            var y = 72.0;
            foreach (var line in text.Split('\n'))
            {
                graphics.DrawString(line, font, XBrushes.Black, new XPoint(72, y));
                y += 20;
            }
        }
    });

    /// <summary>A PDF with a user password (it cannot be opened without it), or with only an owner password (it can).</summary>
    public static byte[] EncryptedPdf(string text, bool userPassword = true) => Pdf(document =>
    {
        var page = document.AddPage();
        using (var graphics = XGraphics.FromPdfPage(page))
        {
            graphics.DrawString(text, new XFont("DejaVu Sans", 14), XBrushes.Black, new XPoint(72, 72));
        }
        document.SecurityHandler.SetEncryption(PdfDefaultEncryption.V4UsingAES);
        if (userPassword)
        {
            document.SecuritySettings.UserPassword = "user-secret";
        }
        document.SecuritySettings.OwnerPassword = "owner-secret";
    });

    /// <summary>A PDF whose only page is a picture of <paramref name="text"/>: no text layer at all, as a scanner makes.</summary>
    public static byte[] ScannedPdf(string text, double pageInches = 0)
    {
        var png = RenderPng(TextPdf(text), 150);
        var path = Path.Combine(Directory.CreateTempSubdirectory("scan-").FullName, "page.png");
        File.WriteAllBytes(path, png);
        try
        {
            return Pdf(document =>
            {
                var page = document.AddPage();
                if (pageInches > 0)
                {
                    page.Width = XUnit.FromInch(pageInches);
                    page.Height = XUnit.FromInch(pageInches);
                }
                using var graphics = XGraphics.FromPdfPage(page);
                using var image = XImage.FromFile(path);
                graphics.DrawImage(image, 0, 0, page.Width.Point, page.Height.Point);
            });
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }

    /// <summary>The first page of a PDF as an image, rendered by poppler's pdftoppm (<c>-png</c> or <c>-jpeg</c>).</summary>
    public static byte[] RenderPng(byte[] pdf, int dpi, string format = "-png")
    {
        var directory = Directory.CreateTempSubdirectory("render-");
        try
        {
            var input = Path.Combine(directory.FullName, "in.pdf");
            File.WriteAllBytes(input, pdf);
            var start = new ProcessStartInfo("pdftoppm") { RedirectStandardError = true };
            foreach (var argument in new[] { "-r", dpi.ToString(System.Globalization.CultureInfo.InvariantCulture), "-f", "1", "-l", "1", format, "-singlefile", input, Path.Combine(directory.FullName, "out") })
            {
                start.ArgumentList.Add(argument);
            }
            using var process = Process.Start(start)!;
            process.WaitForExit();
            Assert.Equal(0, process.ExitCode);
            return File.ReadAllBytes(Directory.GetFiles(directory.FullName, "out*").Single());
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    /// <summary>
    /// The first page of a PDF as a GIF: poppler renders it as a grey PGM, written here as a GIF of 256 greys whose LZW
    /// stream resets its table every 254 codes, so every code stays 9 bits wide (valid for any decoder, just not small).
    /// </summary>
    public static byte[] Gif(byte[] pdf, int dpi)
    {
        var pgm = RenderPng(pdf, dpi, "-gray");
        // "P5\n<width> <height>\n255\n" then one byte per pixel.
        var header = Encoding.ASCII.GetString(pgm, 0, 64).Split((char[])['\n', ' '], 5);
        int width = int.Parse(header[1], System.Globalization.CultureInfo.InvariantCulture), height = int.Parse(header[2], System.Globalization.CultureInfo.InvariantCulture);
        var pixels = pgm.AsSpan(pgm.Length - width * height);

        using var gif = new MemoryStream();
        gif.Write("GIF89a"u8);
        gif.Write([(byte)width, (byte)(width >> 8), (byte)height, (byte)(height >> 8), 0xF7, 0, 0]);
        for (var grey = 0; grey < 256; grey++)
        {
            gif.Write([(byte)grey, (byte)grey, (byte)grey]);
        }
        gif.Write([0x2C, 0, 0, 0, 0, (byte)width, (byte)(width >> 8), (byte)height, (byte)(height >> 8), 0, 8]);

        var codes = new MemoryStream();
        long bits = 0;
        var count = 0;
        void Emit(int code)
        {
            bits |= (long)code << count;
            count += 9;
            while (count >= 8)
            {
                codes.WriteByte((byte)bits);
                bits >>= 8;
                count -= 8;
            }
        }
        for (var i = 0; i < pixels.Length; i++)
        {
            if (i % 254 == 0)
            {
                Emit(256);
            }
            Emit(pixels[i]);
        }
        Emit(257);
        if (count > 0)
        {
            codes.WriteByte((byte)bits);
        }
        var data = codes.ToArray();
        for (var at = 0; at < data.Length; at += 255)
        {
            var length = Math.Min(255, data.Length - at);
            gif.WriteByte((byte)length);
            gif.Write(data, at, length);
        }
        gif.Write([0, 0x3B]);
        return gif.ToArray();
    }

    public static byte[] Docx()
    {
        using var stream = new MemoryStream();
        using (var document = WordprocessingDocument.Create(stream, WordprocessingDocumentType.Document))
        {
            var main = document.AddMainDocumentPart();
            main.Document = new Word.Document(new Word.Body(
                Paragraph("Quarterly report", style: "Heading1"),
                Paragraph("Revenue grew in every region."),
                Paragraph("First finding", list: true),
                Paragraph("Second finding", list: true),
                new Word.Table(
                    new Word.TableRow(Cell("Region"), Cell("Revenue")),
                    new Word.TableRow(Cell("North"), Cell("120")))));
        }
        return stream.ToArray();

        static Word.TableCell Cell(string text) => new(Paragraph(text));
    }

    private static Word.Paragraph Paragraph(string text, string? style = null, bool list = false)
    {
        var properties = new Word.ParagraphProperties();
        if (style is not null)
        {
            properties.ParagraphStyleId = new Word.ParagraphStyleId { Val = style };
        }
        if (list)
        {
            properties.NumberingProperties = new Word.NumberingProperties(
                new Word.NumberingLevelReference { Val = 0 }, new Word.NumberingId { Val = 1 });
        }
        return new Word.Paragraph(properties, new Word.Run(new Word.Text(text)));
    }

    /// <summary>A workbook with one sheet per entry; rows of cells, shared strings for text, numbers as numbers.</summary>
    public static byte[] Xlsx(params (string Name, object?[][] Rows)[] sheets)
    {
        using var stream = new MemoryStream();
        using (var document = SpreadsheetDocument.Create(stream, SpreadsheetDocumentType.Workbook))
        {
            var workbook = document.AddWorkbookPart();
            workbook.Workbook = new Spreadsheet.Workbook(new Spreadsheet.Sheets());
            var strings = workbook.AddNewPart<SharedStringTablePart>();
            strings.SharedStringTable = new Spreadsheet.SharedStringTable();
            uint id = 1;
            foreach (var (name, rows) in sheets)
            {
                var worksheet = workbook.AddNewPart<WorksheetPart>();
                var data = new Spreadsheet.SheetData();
                for (var r = 0; r < rows.Length; r++)
                {
                    var row = new Spreadsheet.Row { RowIndex = (uint)r + 1 };
                    for (var c = 0; c < rows[r].Length; c++)
                    {
                        var reference = $"{(char)('A' + c)}{r + 1}";
                        row.Append(rows[r][c] switch
                        {
                            null => new Spreadsheet.Cell { CellReference = reference },
                            string s => new Spreadsheet.Cell
                            {
                                CellReference = reference,
                                DataType = Spreadsheet.CellValues.SharedString,
                                CellValue = new Spreadsheet.CellValue(AddString(strings.SharedStringTable, s)),
                            },
                            var n => new Spreadsheet.Cell { CellReference = reference, CellValue = new Spreadsheet.CellValue(Convert.ToString(n, System.Globalization.CultureInfo.InvariantCulture)!) },
                        });
                    }
                    data.Append(row);
                }
                worksheet.Worksheet = new Spreadsheet.Worksheet(data);
                workbook.Workbook.Sheets!.Append(new Spreadsheet.Sheet { Id = workbook.GetIdOfPart(worksheet), SheetId = id++, Name = name });
            }
        }
        return stream.ToArray();

        static int AddString(Spreadsheet.SharedStringTable table, string text)
        {
            table.Append(new Spreadsheet.SharedStringItem(new Spreadsheet.Text(text)));
            return table.Elements<Spreadsheet.SharedStringItem>().Count() - 1;
        }
    }

    /// <summary>A presentation with one slide per entry, each a shape holding a paragraph per line.</summary>
    public static byte[] Pptx(params string[] slides)
    {
        using var stream = new MemoryStream();
        using (var document = PresentationDocument.Create(stream, PresentationDocumentType.Presentation))
        {
            var presentation = document.AddPresentationPart();
            presentation.Presentation = new Presentation.Presentation(new Presentation.SlideIdList());
            uint id = 256;
            foreach (var text in slides)
            {
                var slide = presentation.AddNewPart<SlidePart>();
                var body = new Presentation.TextBody(new Drawing.BodyProperties(), new Drawing.ListStyle());
                foreach (var line in text.Split('\n'))
                {
                    body.Append(new Drawing.Paragraph(new Drawing.Run(new Drawing.Text(line))));
                }
                slide.Slide = new Presentation.Slide(new Presentation.CommonSlideData(new Presentation.ShapeTree(
                    new Presentation.NonVisualGroupShapeProperties(
                        new Presentation.NonVisualDrawingProperties { Id = 1, Name = "" },
                        new Presentation.NonVisualGroupShapeDrawingProperties(),
                        new Presentation.ApplicationNonVisualDrawingProperties()),
                    new Presentation.GroupShapeProperties(),
                    new Presentation.Shape(
                        new Presentation.NonVisualShapeProperties(
                            new Presentation.NonVisualDrawingProperties { Id = 2, Name = "Text" },
                            new Presentation.NonVisualShapeDrawingProperties(),
                            new Presentation.ApplicationNonVisualDrawingProperties()),
                        new Presentation.ShapeProperties(),
                        body))));
                presentation.Presentation.SlideIdList!.Append(new Presentation.SlideId { Id = id++, RelationshipId = presentation.GetIdOfPart(slide) });
            }
        }
        return stream.ToArray();
    }

    /// <summary>
    /// A DOCX whose document part unpacks to <paramref name="unpackedBytes"/> of one repeated letter, a few kilobytes packed.
    /// With <paramref name="lieInDirectory"/> the zip's headers claim the part is 100 bytes, as a bomb's would.
    /// </summary>
    public static byte[] ZipBombDocx(long unpackedBytes, bool lieInDirectory = false)
    {
        using var stream = new MemoryStream();
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            WriteEntry(zip, "[Content_Types].xml", """<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>""");
            WriteEntry(zip, "_rels/.rels", """<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>""");
            var entry = zip.CreateEntry("word/document.xml", CompressionLevel.SmallestSize);
            using var part = entry.Open();
            part.Write("""<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>"""u8);
            var block = new byte[1024 * 1024];
            Array.Fill(block, (byte)'A');
            for (long written = 0; written < unpackedBytes; written += block.Length)
            {
                part.Write(block, 0, (int)Math.Min(block.Length, unpackedBytes - written));
            }
            part.Write("</w:t></w:r></w:p></w:body></w:document>"u8);
        }
        var bytes = stream.ToArray();
        if (lieInDirectory)
        {
            ClaimSmallSizes(bytes, "word/document.xml");
        }
        return bytes;
    }

    private static void WriteEntry(ZipArchive zip, string name, string content)
    {
        using var writer = new StreamWriter(zip.CreateEntry(name).Open(), new UTF8Encoding(false));
        writer.Write(content);
    }

    // Rewrites the uncompressed size of one entry, in its local header and in the central directory, to 100 bytes.
    private static void ClaimSmallSizes(byte[] zip, string entryName)
    {
        var name = Encoding.ASCII.GetBytes(entryName);
        var patched = 0;
        for (var at = 0; at + 46 < zip.Length; at++)
        {
            var signature = BitConverter.ToUInt32(zip, at);
            var (nameOffset, sizeOffset) = signature switch
            {
                0x04034b50 => (30, 22),
                0x02014b50 => (46, 24),
                _ => (-1, -1),
            };
            if (nameOffset > 0 && zip.AsSpan(at + nameOffset).StartsWith(name))
            {
                BitConverter.TryWriteBytes(zip.AsSpan(at + sizeOffset, 4), 100u);
                patched++;
            }
        }
        Assert.Equal(2, patched);
    }

    private static byte[] Pdf(Action<PdfDocument> build)
    {
        using var document = new PdfDocument();
        build(document);
        using var stream = new MemoryStream();
        document.Save(stream);
        return stream.ToArray();
    }

    private sealed class DejaVuFontResolver : IFontResolver
    {
        private const string Directory = "/usr/share/fonts/truetype/dejavu";

        public FontResolverInfo? ResolveTypeface(string familyName, bool bold, bool italic) =>
            new(bold ? "DejaVuSans-Bold" : "DejaVuSans");

        public byte[]? GetFont(string faceName) => File.ReadAllBytes(Path.Combine(Directory, faceName + ".ttf"));
    }
}
