namespace ChatPlatform.Ingestion.Scanning;

/// <summary>Scans a file's bytes before anything else reads them.</summary>
public interface IVirusScanner
{
    /// <exception cref="VirusScanException">The scanner could not give an answer (unreachable, error): retry later.</exception>
    Task<ScanResult> ScanAsync(Stream content, CancellationToken cancellationToken);
}

/// <summary><paramref name="Signature"/> names what was found; null when the file is clean.</summary>
public sealed record ScanResult(string? Signature)
{
    public static readonly ScanResult Clean = new((string?)null);

    public bool IsClean => Signature is null;
}

public sealed class VirusScanException(string message, Exception? inner = null) : Exception(message, inner);
