using System.Diagnostics;
using ChatPlatform.Ingestion.Extraction;
using Microsoft.Extensions.DependencyInjection;
using PdfSharp.Drawing;
using PdfSharp.Fonts;
using PdfSharp.Pdf;

namespace ChatPlatform.Bench;

/// <summary>
/// Text extraction as ingestion runs it: pages per second of a 20-page text PDF (PdfPig), seconds per page of OCR for a
/// scanned page (pdftoppm at 200 dpi, then tesseract), and chunks per second of the chunker. About 30 s.
/// </summary>
public static class ExtractionBenchmark
{
    private const int TextRounds = 20;
    private const int OcrRounds = 5;

    public static async Task RunAsync(string[] args)
    {
        GlobalFontSettings.FontResolver ??= new DejaVuFontResolver();
        await using var services = new ServiceCollection().AddLogging().AddExtraction().BuildServiceProvider();
        var extractor = services.GetRequiredService<IDocumentExtractor>();
        var chunker = services.GetRequiredService<TextChunker>();

        var paragraph = string.Join(' ', Enumerable.Repeat("The harbour master logs every ship that enters and leaves the port.", 5));
        var textPdf = Pdf(Enumerable.Range(1, 20).Select(page => Enumerable.Repeat($"Page {page}. {paragraph}", 8).ToArray()).ToArray());
        await extractor.ExtractAsync(new MemoryStream(textPdf), MediaTypes.Pdf, CancellationToken.None);

        var started = Stopwatch.GetTimestamp();
        ExtractedDocument document = null!;
        for (var round = 0; round < TextRounds; round++)
        {
            document = await extractor.ExtractAsync(new MemoryStream(textPdf), MediaTypes.Pdf, CancellationToken.None);
        }
        var textSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var pages = document.Pages.Count * TextRounds;
        // OCR is CPU-bound: the figures mean little without the machine's load beside them.
        var load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";
        Console.WriteLine($"{Environment.ProcessorCount} cores, load average {load}; 20-page text PDF ({textPdf.Length / 1024} KB, {document.Pages.Sum(p => p.Text.Length):N0} characters), {TextRounds} rounds:");
        Console.WriteLine($"  text layer (PdfPig)       {pages / textSeconds,8:N0} pages/s   {textSeconds * 1000 / pages,7:N2} ms/page");

        var scanned = ScannedPdf(textPdf);
        var ocrTimes = new List<double>();
        for (var round = 0; round < OcrRounds; round++)
        {
            var ocrStarted = Stopwatch.GetTimestamp();
            var ocr = await extractor.ExtractAsync(new MemoryStream(scanned), MediaTypes.Pdf, CancellationToken.None);
            ocrTimes.Add(Stopwatch.GetElapsedTime(ocrStarted).TotalSeconds);
            if (!ocr.Pages[0].Ocr || !ocr.Pages[0].Text.Contains("harbour", StringComparison.Ordinal))
            {
                throw new InvalidOperationException("OCR did not read the scanned page");
            }
        }
        ocrTimes.Sort();
        Console.WriteLine($"  scanned page (OCR, 200 dpi) {ocrTimes[ocrTimes.Count / 2],6:N2} s/page median, {ocrTimes[0]:N2}-{ocrTimes[^1]:N2} s over {OcrRounds} runs");

        var chunkStarted = Stopwatch.GetTimestamp();
        var chunks = 0;
        for (var round = 0; round < 200; round++)
        {
            chunks += chunker.Chunk(document).Count;
        }
        var chunkSeconds = Stopwatch.GetElapsedTime(chunkStarted).TotalSeconds;
        Console.WriteLine($"  chunking (400 tokens, 50 overlap) {chunks / chunkSeconds,10:N0} chunks/s ({chunks / 200} chunks per document)");
    }

    private static byte[] Pdf(string[][] pages)
    {
        using var document = new PdfDocument();
        var font = new XFont("DejaVu Sans", 9);
        foreach (var lines in pages)
        {
            var page = document.AddPage();
            using var graphics = XGraphics.FromPdfPage(page);
            var y = 60.0;
            foreach (var line in lines.SelectMany(Wrap))
            {
                graphics.DrawString(line, font, XBrushes.Black, new XPoint(50, y));
                y += 12;
            }
        }
        using var stream = new MemoryStream();
        document.Save(stream);
        return stream.ToArray();
    }

    private static IEnumerable<string> Wrap(string text)
    {
        var line = "";
        foreach (var word in text.Split(' '))
        {
            if (line.Length + word.Length > 95)
            {
                yield return line;
                line = "";
            }
            line = line.Length == 0 ? word : line + " " + word;
        }
        yield return line;
    }

    // The first page of the text PDF rendered to an image and placed alone on a page: a scan with no text layer.
    private static byte[] ScannedPdf(byte[] textPdf)
    {
        var directory = Directory.CreateTempSubdirectory("bench-scan-");
        try
        {
            var input = Path.Combine(directory.FullName, "in.pdf");
            File.WriteAllBytes(input, textPdf);
            using (var render = Process.Start("pdftoppm", ["-r", "150", "-f", "1", "-l", "1", "-png", "-singlefile", input, Path.Combine(directory.FullName, "page")]))
            {
                render.WaitForExit();
            }
            using var document = new PdfDocument();
            var page = document.AddPage();
            using (var graphics = XGraphics.FromPdfPage(page))
            using (var image = XImage.FromFile(Path.Combine(directory.FullName, "page.png")))
            {
                graphics.DrawImage(image, 0, 0, page.Width.Point, page.Height.Point);
            }
            using var stream = new MemoryStream();
            document.Save(stream);
            return stream.ToArray();
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private sealed class DejaVuFontResolver : IFontResolver
    {
        public FontResolverInfo? ResolveTypeface(string familyName, bool bold, bool italic) => new("DejaVuSans");

        public byte[]? GetFont(string faceName) => File.ReadAllBytes($"/usr/share/fonts/truetype/dejavu/{faceName}.ttf");
    }
}
