using System.ComponentModel.DataAnnotations;
using System.Globalization;

namespace ChatPlatform.Ingestion.Scanning;

/// <summary>Section <c>VirusScan</c>: where clamd listens; without it files are not scanned (and the log says so at start).</summary>
public sealed class VirusScanOptions
{
    public const string SectionName = "VirusScan";

    /// <summary>clamd's TCP socket as <c>host:port</c> (<c>[::1]:3310</c> for IPv6); empty turns scanning off.</summary>
    public string? Clamd { get; set; }

    /// <summary>How long one scan may take, from connecting to clamd's answer.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Bytes per INSTREAM chunk.</summary>
    [Range(1024, 1024 * 1024)]
    public int ChunkBytes { get; set; } = 64 * 1024;

    public bool Enabled => !string.IsNullOrWhiteSpace(Clamd);

    /// <summary>The host and port of <see cref="Clamd"/>; false when it is not <c>host:port</c>.</summary>
    public bool TryGetEndpoint(out string host, out int port)
    {
        host = "";
        port = 0;
        var value = Clamd?.Trim() ?? "";
        var colon = value.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(value.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
        {
            return false;
        }
        host = value[..colon].Trim('[', ']');
        return host.Length > 0 && (!host.Contains(':', StringComparison.Ordinal) || value.StartsWith('['));
    }
}
