using System.Net;
using System.Xml.Linq;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace ChatPlatform.Web.Infrastructure;

/// <summary>
/// The data-protection key ring as one XML blob that every web replica reads and extends. A new key is added by
/// read-modify-write guarded by the blob's ETag: when two replicas add keys at once, the one whose write loses reads
/// the ring again and adds its key to the winner's, so no key is lost. (The package that does this is not served here.)
/// </summary>
internal sealed class BlobXmlRepository(BlobClient blob) : IXmlRepository
{
    private const string RootName = "repository";
    private const int MaxAttempts = 20;

    public IReadOnlyCollection<XElement> GetAllElements() => [.. Read().Document.Root!.Elements()];

    public void StoreElement(XElement element, string friendlyName)
    {
        ArgumentNullException.ThrowIfNull(element);
        for (var attempt = 1; ; attempt++)
        {
            var (document, etag) = Read();
            document.Root!.Add(new XElement(element));
            var conditions = etag is { } current ? new BlobRequestConditions { IfMatch = current } : new BlobRequestConditions { IfNoneMatch = ETag.All };
            try
            {
                // UTF-8 without a byte-order mark: the blob reads as plain XML to any tool.
                var content = BinaryData.FromString(document.ToString(SaveOptions.DisableFormatting));
                blob.Upload(content, new BlobUploadOptions
                {
                    Conditions = conditions,
                    HttpHeaders = new BlobHttpHeaders { ContentType = "application/xml" },
                });
                return;
            }
            catch (RequestFailedException e) when (attempt < MaxAttempts
                && e.Status is (int)HttpStatusCode.PreconditionFailed or (int)HttpStatusCode.Conflict)
            {
                // Another replica wrote the ring since it was read: read it again and add the key to that.
            }
        }
    }

    private (XDocument Document, ETag? ETag) Read()
    {
        try
        {
            var download = blob.DownloadContent();
            using var stream = download.Value.Content.ToStream();
            return (XDocument.Load(stream), download.Value.Details.ETag);
        }
        catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.NotFound)
        {
            // No ring yet (or no container yet: made here, so that the first write finds it).
            if (e.ErrorCode == BlobErrorCode.ContainerNotFound)
            {
                blob.GetParentBlobContainerClient().CreateIfNotExists();
            }
            return (new XDocument(new XElement(RootName)), null);
        }
    }
}
