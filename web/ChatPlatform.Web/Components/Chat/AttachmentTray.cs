using System.Text.Json;
using ChatPlatform.Web.Model;

namespace ChatPlatform.Web.Components.Chat;

public enum AttachmentStage
{
    /// <summary>Its bytes are on their way to the server.</summary>
    Uploading,
    /// <summary>Stored; ingestion is scanning and reading it.</summary>
    Processing,
    Ready,
    /// <summary>Refused, failed or quarantined: <see cref="PendingAttachment.Error"/> says why. It is never sent.</summary>
    Failed,
}

/// <summary>One file chip of the composer.</summary>
public sealed class PendingAttachment(string localId, string name, long size, string? thumbnailUrl)
{
    /// <summary>The browser module's id of the upload, until the server gives the file its own.</summary>
    public string LocalId { get; } = localId;

    public string Name { get; } = name;

    public long Size { get; } = size;

    /// <summary>An object URL of the local file (images only); the server's copy is never fetched to be shown.</summary>
    public string? ThumbnailUrl { get; } = thumbnailUrl;

    public AttachmentStage Stage { get; internal set; } = AttachmentStage.Uploading;

    public long UploadedBytes { get; internal set; }

    public StoredFile? File { get; internal set; }

    public string? Error { get; internal set; }

    /// <summary>Upload progress while uploading, then ingestion's processing progress.</summary>
    public int Percent => Stage switch
    {
        AttachmentStage.Uploading => Size == 0 ? 0 : (int)Math.Clamp(UploadedBytes * 100 / Size, 0, 100),
        AttachmentStage.Processing => File?.Progress ?? 0,
        _ => 100,
    };

    public string StatusText => Stage switch
    {
        AttachmentStage.Uploading => $"Uploading {Percent}%",
        AttachmentStage.Processing => File?.Status == FileStatus.Processing ? $"Processing {Percent}%" : "Waiting to be processed",
        AttachmentStage.Ready => "Ready",
        _ => Error ?? "Failed",
    };
}

/// <summary>
/// The composer's files, from the moment the browser picks them until the message that attaches them is sent. A
/// message may go only when every file is ready: a file still uploading or being read would be refused by chat.
/// </summary>
public sealed class AttachmentTray
{
    /// <summary>Chat's limit on the files of one message.</summary>
    public const int MaxFiles = 10;

    private readonly List<PendingAttachment> _items = [];

    public IReadOnlyList<PendingAttachment> Items => _items;

    public bool IsEmpty => _items.Count == 0;

    /// <summary>Why the message cannot be sent yet; null when its files allow it.</summary>
    public string? Blocker =>
        _items.Count > MaxFiles ? $"A message can attach at most {MaxFiles} files. Remove some to send it."
        : _items.Any(i => i.Stage == AttachmentStage.Failed) ? "Remove the files that could not be attached to send the message."
        : _items.Any(i => i.Stage == AttachmentStage.Uploading) ? "Wait for the files to finish uploading."
        : _items.Any(i => i.Stage == AttachmentStage.Processing) ? "Wait for the files to be processed."
        : null;

    /// <summary>The ids of files the server has but has not finished reading: to be asked about again.</summary>
    public IReadOnlyList<Guid> Processing => [.. _items.Where(i => i.Stage == AttachmentStage.Processing).Select(i => i.File!.Id)];

    public PendingAttachment Add(string localId, string name, long size, string? thumbnailUrl)
    {
        var item = new PendingAttachment(localId, name, size, thumbnailUrl);
        _items.Add(item);
        return item;
    }

    /// <summary>False when the chip is gone (removed while its upload was still reporting).</summary>
    public bool Progress(string localId, long uploadedBytes)
    {
        if (Find(localId) is not { Stage: AttachmentStage.Uploading } item)
        {
            return false;
        }
        item.UploadedBytes = Math.Max(item.UploadedBytes, uploadedBytes);
        return true;
    }

    /// <summary>The server's answer to the upload: the file as it stored it (docs/files.md).</summary>
    public bool Uploaded(string localId, string fileJson)
    {
        if (Find(localId) is not { } item)
        {
            return false;
        }
        StoredFile? file;
        try
        {
            file = JsonSerializer.Deserialize<StoredFile>(fileJson, JsonDefaults.Options);
        }
        catch (JsonException)
        {
            file = null;
        }
        if (file is null)
        {
            item.Stage = AttachmentStage.Failed;
            item.Error = "The server's answer could not be read. Remove the file and try again.";
            return true;
        }
        item.UploadedBytes = item.Size;
        Apply(item, file);
        return true;
    }

    public bool UploadFailed(string localId, string detail)
    {
        if (Find(localId) is not { } item)
        {
            return false;
        }
        item.Stage = AttachmentStage.Failed;
        item.Error = detail;
        return true;
    }

    /// <summary>A newer view of a file (polled); false when no chip shows it any more.</summary>
    public bool Updated(StoredFile file)
    {
        var item = _items.FirstOrDefault(i => i.File?.Id == file.Id);
        if (item is null)
        {
            return false;
        }
        Apply(item, file);
        return true;
    }

    /// <summary>The file was deleted or is not this person's any more.</summary>
    public bool Lost(Guid fileId)
    {
        var item = _items.FirstOrDefault(i => i.File?.Id == fileId);
        if (item is null)
        {
            return false;
        }
        item.Stage = AttachmentStage.Failed;
        item.Error = "This file no longer exists.";
        return true;
    }

    public PendingAttachment? Remove(string localId)
    {
        var item = Find(localId);
        if (item is not null)
        {
            _items.Remove(item);
        }
        return item;
    }

    /// <summary>Takes every chip away for a message being sent; <see cref="Restore"/> gives them back if it is refused.</summary>
    public IReadOnlyList<PendingAttachment> TakeAll()
    {
        var taken = _items.ToList();
        _items.Clear();
        return taken;
    }

    public void Restore(IReadOnlyList<PendingAttachment> items) => _items.InsertRange(0, items);

    /// <summary>What a message attaching these files names: the ready files, in the order they were added.</summary>
    public static IReadOnlyList<MessageAttachment> AttachmentsOf(IEnumerable<PendingAttachment> items) =>
        [.. items.Where(i => i.Stage == AttachmentStage.Ready).Select(i => new MessageAttachment(i.File!.Id, i.File.Name, i.File.MediaType, i.File.Kind))];

    private PendingAttachment? Find(string localId) => _items.FirstOrDefault(i => i.LocalId == localId);

    private static void Apply(PendingAttachment item, StoredFile file)
    {
        item.File = file;
        (item.Stage, item.Error) = file.Status switch
        {
            FileStatus.Ready => (AttachmentStage.Ready, null),
            FileStatus.Failed => (AttachmentStage.Failed, file.Error ?? "This file could not be read."),
            FileStatus.Quarantined => (AttachmentStage.Failed, "This file was quarantined: the virus scan found something in it."),
            _ => (AttachmentStage.Processing, null),
        };
    }
}
