using ChatPlatform.Web.Components.Chat;
using ChatPlatform.Web.Model;

namespace ChatPlatform.Web.Tests.Components;

/// <summary>The composer's files: from the upload to the message that names them.</summary>
public sealed class AttachmentTrayTests
{
    private static string FileJson(Guid id, string status, int progress = 0, string? error = null, string kind = "document") =>
        $$"""
        {"id":"{{id}}","name":"report.pdf","mediaType":"application/pdf","kind":"{{kind}}","sizeBytes":2048,"sha256":"9f2c","status":"{{status}}",
         "progress":{{progress}},"pages":null,"chunks":null,"error":{{(error is null ? "null" : $"\"{error}\"")}},"createdAt":"2026-12-06T08:00:00Z","updatedAt":"2026-12-06T08:00:00Z"}
        """;

    private static StoredFile File(Guid id, FileStatus status, string? error = null) =>
        new(id, "report.pdf", "application/pdf", FileKind.Document, 2048, status, 100, 3, 9, error, DateTimeOffset.UnixEpoch);

    [Fact]
    public void A_file_goes_from_uploading_to_processing_to_ready_and_only_then_may_the_message_go()
    {
        var tray = new AttachmentTray();
        var id = Guid.NewGuid();
        var item = tray.Add("f1", "report.pdf", 2048, null);

        Assert.True(tray.Progress("f1", 512));
        Assert.Equal((AttachmentStage.Uploading, 25, "Uploading 25%"), (item.Stage, item.Percent, item.StatusText));
        Assert.Equal("Wait for the files to finish uploading.", tray.Blocker);

        Assert.True(tray.Uploaded("f1", FileJson(id, "processing", progress: 40)));
        Assert.Equal((AttachmentStage.Processing, 40, "Processing 40%"), (item.Stage, item.Percent, item.StatusText));
        Assert.Equal([id], tray.Processing);
        Assert.Equal("Wait for the files to be processed.", tray.Blocker);

        Assert.True(tray.Updated(File(id, FileStatus.Ready)));
        Assert.Null(tray.Blocker);
        Assert.Empty(tray.Processing);
        Assert.Equal([new MessageAttachment(id, "report.pdf", "application/pdf", FileKind.Document)], AttachmentTray.AttachmentsOf(tray.Items));
    }

    [Fact]
    public void A_refused_upload_shows_the_problems_detail_in_place_and_blocks_the_message_until_removed()
    {
        var tray = new AttachmentTray();
        var item = tray.Add("f1", "huge.pdf", 60_000_000, null);

        Assert.True(tray.UploadFailed("f1", "The file is too large: documents are limited to 50 MB."));

        Assert.Equal(AttachmentStage.Failed, item.Stage);
        Assert.Equal("The file is too large: documents are limited to 50 MB.", item.StatusText);
        Assert.NotNull(tray.Blocker);
        Assert.Same(item, tray.Remove("f1"));
        Assert.Null(tray.Blocker);
        Assert.True(tray.IsEmpty);
    }

    [Fact]
    public void Failed_and_quarantined_files_say_why_and_are_never_attached()
    {
        var tray = new AttachmentTray();
        var (failed, quarantined) = (Guid.NewGuid(), Guid.NewGuid());
        tray.Add("f1", "a.pdf", 10, null);
        tray.Add("f2", "b.pdf", 10, null);
        tray.Uploaded("f1", FileJson(failed, "pending"));
        tray.Uploaded("f2", FileJson(quarantined, "pending"));

        tray.Updated(File(failed, FileStatus.Failed, "The PDF is encrypted."));
        tray.Updated(File(quarantined, FileStatus.Quarantined));

        Assert.Equal("The PDF is encrypted.", tray.Items[0].Error);
        Assert.StartsWith("This file was quarantined", tray.Items[1].Error);
        Assert.Empty(AttachmentTray.AttachmentsOf(tray.Items));
        Assert.Equal("Remove the files that could not be attached to send the message.", tray.Blocker);
    }

    [Fact]
    public void News_of_a_removed_chip_is_ignored()
    {
        var tray = new AttachmentTray();
        tray.Add("f1", "a.png", 10, "blob:local");
        tray.Remove("f1");

        Assert.False(tray.Progress("f1", 5));
        Assert.False(tray.Uploaded("f1", FileJson(Guid.NewGuid(), "ready")));
        Assert.False(tray.UploadFailed("f1", "late"));
        Assert.False(tray.Updated(File(Guid.NewGuid(), FileStatus.Ready)));
        Assert.True(tray.IsEmpty);
    }

    [Fact]
    public void An_unreadable_answer_fails_the_chip_and_a_file_deleted_meanwhile_is_lost()
    {
        var tray = new AttachmentTray();
        var id = Guid.NewGuid();
        tray.Add("f1", "a.txt", 10, null);
        tray.Add("f2", "b.txt", 10, null);

        tray.Uploaded("f1", "<html>not json</html>");
        tray.Uploaded("f2", FileJson(id, "processing", kind: "text"));
        tray.Lost(id);

        Assert.All(tray.Items, item => Assert.Equal(AttachmentStage.Failed, item.Stage));
        Assert.Equal("This file no longer exists.", tray.Items[1].Error);
    }

    [Fact]
    public void Files_taken_for_a_refused_message_come_back_in_their_order()
    {
        var tray = new AttachmentTray();
        tray.Add("f1", "a.txt", 10, null);
        tray.Add("f2", "b.txt", 10, null);

        var taken = tray.TakeAll();
        Assert.True(tray.IsEmpty);
        tray.Add("f3", "c.txt", 10, null);
        tray.Restore(taken);

        Assert.Equal(["f1", "f2", "f3"], tray.Items.Select(i => i.LocalId));
    }

    [Fact]
    public void More_files_than_a_message_takes_block_it()
    {
        var tray = new AttachmentTray();
        for (var i = 0; i <= AttachmentTray.MaxFiles; i++)
        {
            tray.Add($"f{i}", $"{i}.txt", 1, null);
            tray.Uploaded($"f{i}", FileJson(Guid.NewGuid(), "ready", kind: "text"));
        }

        Assert.Equal("A message can attach at most 10 files. Remove some to send it.", tray.Blocker);
    }

    [Theory]
    [InlineData(0, "0 B")]
    [InlineData(1023, "1023 B")]
    [InlineData(1536, "1.5 KB")]
    [InlineData(20 * 1024 * 1024, "20 MB")]
    [InlineData(5L * 1024 * 1024 * 1024, "5 GB")]
    public void Sizes_read_as_a_person_reads_them(long bytes, string expected) => Assert.Equal(expected, FileSizes.Format(bytes));
}
