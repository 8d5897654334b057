using System.Security.Cryptography;

namespace ChatPlatform.Ingestion.Files;

/// <summary>
/// Watches a file's bytes go by once: counts and hashes them, tells their type, and says stop as soon as they pass
/// the limit for their kind or what is left of the user's quota, so an over-limit upload is never read to its end.
/// </summary>
public sealed class ContentInspector(FilesOptions options, long quotaBytesLeft, long quotaMaxBytes) : IDisposable
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly FileTypeSniffer _sniffer = new();

    public long Length { get; private set; }

    /// <summary>A problem as soon as the bytes seen so far are refused; null while they may still be accepted.</summary>
    public UploadProblem? Observe(ReadOnlySpan<byte> bytes)
    {
        Length += bytes.Length;
        _hash.AppendData(bytes);
        _sniffer.Observe(bytes);
        return _sniffer.Rejected ? UploadProblem.Unsupported : CheckLength(Length, _sniffer.Candidate?.Kind);
    }

    /// <summary>Checks a length known ahead (a staged blob's), before reading it.</summary>
    public UploadProblem? CheckLength(long length, FileKind? kind)
    {
        var fileLimit = kind is { } known ? options.MaxBytesFor(known) : options.MaxFileBytes;
        if (length > fileLimit)
        {
            return UploadProblem.TooLarge(kind, fileLimit);
        }
        return length > quotaBytesLeft ? UploadProblem.OverByteQuota(quotaMaxBytes) : null;
    }

    /// <summary>The type and SHA-256 (lower-case hex) once every byte was observed; a problem when there were none or they are no accepted type.</summary>
    public (FileType? Type, string Sha256, UploadProblem? Problem) Finish()
    {
        var sha256 = Convert.ToHexStringLower(_hash.GetHashAndReset());
        if (Length == 0)
        {
            return (null, sha256, UploadProblem.Empty);
        }
        return _sniffer.Finish() is { } type ? (type, sha256, null) : (null, sha256, UploadProblem.Unsupported);
    }

    public void Dispose() => _hash.Dispose();
}
