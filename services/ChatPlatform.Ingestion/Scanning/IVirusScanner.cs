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

/// <summary>
/// The scan did not happen. Most causes pass (clamd restarting, a timeout) and the pipeline tries again later; a
/// <see cref="Permanent"/> one (the file is over clamd's StreamMaxLength) fails the file at once. The message is for
/// operators' logs: it names the scanner's address, so it never reaches the file's owner.
/// </summary>
public sealed class VirusScanException(string message, Exception? inner = null) : Exception(message, inner)
{
    public bool Permanent { get; init; }
}
