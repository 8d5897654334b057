using System.ComponentModel.DataAnnotations;

namespace ChatPlatform.Ingestion.Files;

/// <summary>
/// Upload limits (<c>Files</c> section): the largest file of each kind, and per tier (the internal token's <c>tier</c>
/// claim; <see cref="DefaultTier"/> when it has none or names no configured tier) how much a user may keep.
/// </summary>
public sealed class FilesOptions : IValidatableObject
{
    public const string SectionName = "Files";

    [Range(1, long.MaxValue)]
    public long MaxDocumentBytes { get; set; } = 50L * 1024 * 1024;

    [Range(1, long.MaxValue)]
    public long MaxImageBytes { get; set; } = 20L * 1024 * 1024;

    [Range(1, long.MaxValue)]
    public long MaxTextBytes { get; set; } = 10L * 1024 * 1024;

    [Required]
    public string DefaultTier { get; set; } = "free";

    public Dictionary<string, TierQuota> Tiers { get; set; } = new(StringComparer.Ordinal)
    {
        ["free"] = new TierQuota { MaxBytes = 1L * 1024 * 1024 * 1024, MaxFiles = 200 },
    };

    /// <summary>How long a direct-upload URL stays valid.</summary>
    public TimeSpan UploadUrlLifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How often uploads never completed are looked for (<see cref="AbandonedUploadSweeper"/>).</summary>
    public TimeSpan AbandonedUploadSweepInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The largest file of any kind: what a request may carry before its type is known.</summary>
    public long MaxFileBytes => Math.Max(MaxDocumentBytes, Math.Max(MaxImageBytes, MaxTextBytes));

    public long MaxBytesFor(FileKind kind) => kind switch
    {
        FileKind.Document => MaxDocumentBytes,
        FileKind.Image => MaxImageBytes,
        _ => MaxTextBytes,
    };

    public TierQuota QuotaFor(string? tier) =>
        tier is not null && Tiers.TryGetValue(tier, out var quota) ? quota : Tiers[DefaultTier];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Tiers.ContainsKey(DefaultTier))
        {
            yield return new ValidationResult($"Files:Tiers has no entry for the default tier '{DefaultTier}'.", [nameof(Tiers)]);
        }
        foreach (var (name, quota) in Tiers)
        {
            if (quota.MaxBytes < 1 || quota.MaxFiles < 1)
            {
                yield return new ValidationResult($"Files:Tiers:{name} needs MaxBytes and MaxFiles of at least 1.", [nameof(Tiers)]);
            }
        }
        if (AbandonedUploadSweepInterval <= TimeSpan.Zero)
        {
            yield return new ValidationResult("Files:AbandonedUploadSweepInterval must be more than zero.", [nameof(AbandonedUploadSweepInterval)]);
        }
        if (UploadUrlLifetime <= TimeSpan.Zero || UploadUrlLifetime > TimeSpan.FromHours(1))
        {
            yield return new ValidationResult("Files:UploadUrlLifetime must be more than zero and at most an hour.", [nameof(UploadUrlLifetime)]);
        }
    }
}

/// <summary>What one user of a tier may keep: bytes and files, counting uploads not completed yet.</summary>
public sealed class TierQuota
{
    public long MaxBytes { get; set; }

    public int MaxFiles { get; set; }
}
