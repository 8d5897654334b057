using Azure.Storage.Blobs;

namespace ChatPlatform.Ingestion.Retrieval;

/// <summary>An image file's bytes from blob storage as a data URL, the form OpenAI's <c>image_url</c> and Anthropic's image blocks take.</summary>
public sealed class ContextImages(BlobServiceClient blobs)
{
    public const string Container = "files";

    private const string Prefix = Container + "/";

    public async Task<ContextImage> ReadAsync(ContextFileRow image, string? ocrText, CancellationToken cancellationToken)
    {
        // A ready file's bytes are at their content address, "files/{user}/{sha256}"; anything else is a broken row.
        if (!image.BlobName.StartsWith(Prefix, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"File {image.Id} is ready but its blob '{image.BlobName}' is not in the {Container} container.");
        }
        var blob = blobs.GetBlobContainerClient(Container).GetBlobClient(image.BlobName[Prefix.Length..]);
        var content = await blob.DownloadContentAsync(cancellationToken);
        var dataUrl = $"data:{image.MediaType};base64,{Convert.ToBase64String(content.Value.Content.ToMemory().Span)}";
        return new ContextImage(image.Id, image.Name, image.MediaType, dataUrl, image.Width, image.Height, ocrText);
    }
}
