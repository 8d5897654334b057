namespace ChatPlatform.Ingestion.Extraction;

/// <summary>Reads the text of a file whose media type was sniffed from its bytes (docs/files.md lists the types).</summary>
public interface IDocumentExtractor
{
    /// <exception cref="ExtractionException">The file cannot be read; the message says why in words a person understands.</exception>
    Task<ExtractedDocument> ExtractAsync(Stream content, string mediaType, CancellationToken cancellationToken);
}
