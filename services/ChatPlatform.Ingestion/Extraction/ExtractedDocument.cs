namespace ChatPlatform.Ingestion.Extraction;

/// <summary>The text of a file, page by page (one page for formats without pages), numbered from 1.</summary>
public sealed record ExtractedDocument(IReadOnlyList<ExtractedPage> Pages);

/// <summary>One page's text; <paramref name="Ocr"/> when it was read from an image of the page.</summary>
public sealed record ExtractedPage(int Number, string Text, bool Ocr);

/// <summary>A file that cannot be read (encrypted, corrupt, too large once unpacked, too slow); the reason is for a person.</summary>
public sealed class ExtractionException(string reason, Exception? inner = null) : Exception(reason, inner);
