using System.Text;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Presentation;
using Drawing = DocumentFormat.OpenXml.Drawing;

namespace ChatPlatform.Ingestion.Extraction;

// A presentation is a page per slide, numbered as the slides are shown: the text of its shapes and tables, a line per
// paragraph.
public sealed partial class OfficeTextExtractor
{
    private ExtractedDocument ReadPresentation(string path, OpenSettings settings, CancellationToken cancellationToken)
    {
        using var document = PresentationDocument.Open(path, isEditable: false, settings);
        var presentation = document.PresentationPart ?? throw new ExtractionException("The PowerPoint presentation has no slides to read.");
        var slideIds = presentation.Presentation?.SlideIdList?.Elements<SlideId>().ToList() ?? [];
        CheckPageCount(slideIds.Count, "slides");

        var pages = new List<ExtractedPage>(slideIds.Count);
        long characters = 0;
        foreach (var slideId in slideIds)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var text = new StringBuilder();
            if (slideId.RelationshipId?.Value is { } id && presentation.TryGetPartById(id, out var part) && part is SlidePart slide)
            {
                foreach (var paragraph in slide.Slide?.Descendants<Drawing.Paragraph>() ?? [])
                {
                    var line = string.Concat(paragraph.Descendants<Drawing.Text>().Select(t => t.Text)).Trim();
                    if (line.Length > 0)
                    {
                        text.Append(line).Append('\n');
                    }
                }
            }
            characters += text.Length;
            CheckLength(characters);
            pages.Add(new ExtractedPage(pages.Count + 1, Clean(text), Ocr: false));
        }
        return new ExtractedDocument(pages);
    }
}
