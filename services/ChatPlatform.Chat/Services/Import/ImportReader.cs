using System.IO.Compression;
using System.Text.Json;
using ChatPlatform.Chat.Model;

namespace ChatPlatform.Chat.Services.Import;

/// <summary>
/// Reads an import file into conversations, checking everything before anything is written: our JSON (one
/// conversation, an array of them, or the export zip's <c>conversations/*.json</c>) or ChatGPT's
/// <c>conversations.json</c>. Anything it cannot take throws <see cref="ImportRefusedException"/>.
/// </summary>
public sealed partial class ImportReader(TimeProvider timeProvider)
{
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = ImportLimits.MaxJsonDepth };

    private readonly List<string> _notes = [];
    private int _messages;

    public IReadOnlyList<string> Notes => _notes;

    /// <param name="model">The model ChatGPT's conversations continue on; null: the one each names.</param>
    public List<ImportedConversation> Read(ReadOnlyMemory<byte> body, string? model)
    {
        try
        {
            var span = body.Span;
            if (span.Length >= 4 && span[0] == 'P' && span[1] == 'K' && span[2] == 3 && span[3] == 4)
            {
                return ReadZip(body);
            }
            using var document = Parse(body, "file");
            return ReadDocument(document.RootElement, "file", model);
        }
        catch (InvalidOperationException)
        {
            // JSON may escape a lone surrogate (\ud800), which is no text: System.Text.Json refuses it as the string is read.
            throw new ImportRefusedException("file", "The file holds a string that is not valid Unicode text.");
        }
    }

    private List<ImportedConversation> ReadDocument(JsonElement root, string where, string? model)
    {
        if (root.ValueKind == JsonValueKind.Object)
        {
            return [ReadNative(root, where)];
        }
        if (root.ValueKind != JsonValueKind.Array)
        {
            throw new ImportRefusedException(where, "The file is neither a conversation of ours nor ChatGPT's conversations.json (an array).");
        }
        if (root.GetArrayLength() > ImportLimits.MaxConversations)
        {
            throw new ImportRefusedException(where, $"An import holds at most {ImportLimits.MaxConversations} conversations.");
        }
        var conversations = new List<ImportedConversation>();
        var i = 0;
        foreach (var item in root.EnumerateArray())
        {
            var at = $"{where}[{i++}]";
            if (item.ValueKind != JsonValueKind.Object)
            {
                throw new ImportRefusedException(at, "Each conversation is a JSON object.");
            }
            conversations.Add(item.TryGetProperty("mapping", out _) ? ReadChatGpt(item, at, model) : ReadNative(item, at));
        }
        return conversations;
    }

    /// <summary>The export zip: its <c>conversations/*.json</c>, each one of ours; the rest (files, usage, Markdown) is not imported.</summary>
    private List<ImportedConversation> ReadZip(ReadOnlyMemory<byte> body)
    {
        ZipArchive zip;
        try
        {
            zip = new ZipArchive(new MemoryStream(body.ToArray(), writable: false), ZipArchiveMode.Read);
        }
        catch (InvalidDataException)
        {
            throw new ImportRefusedException("file", "The zip cannot be read.");
        }
        using (zip)
        {
            if (zip.Entries.Count > ImportLimits.MaxZipEntries)
            {
                throw new ImportRefusedException("file", $"The zip holds more than {ImportLimits.MaxZipEntries} entries.");
            }
            var conversations = new List<ImportedConversation>();
            long inflated = 0;
            foreach (var entry in zip.Entries.Where(e => e.FullName.StartsWith("conversations/", StringComparison.Ordinal)
                && e.FullName.EndsWith(".json", StringComparison.Ordinal)))
            {
                if (conversations.Count == ImportLimits.MaxConversations)
                {
                    throw new ImportRefusedException("file", $"An import holds at most {ImportLimits.MaxConversations} conversations.");
                }
                byte[] json;
                try
                {
                    // Read through a cap rather than trusting the entry's declared size, which a zip bomb lies about.
                    using var stream = entry.Open();
                    using var copy = new MemoryStream();
                    var buffer = new byte[81920];
                    int read;
                    while ((read = stream.Read(buffer)) > 0)
                    {
                        inflated += read;
                        if (inflated > ImportLimits.MaxInflatedBytes)
                        {
                            throw new ImportRefusedException("file", $"The zip's conversations inflate to more than {ImportLimits.MaxInflatedBytes / (1024 * 1024)} MB.");
                        }
                        copy.Write(buffer, 0, read);
                    }
                    json = copy.ToArray();
                }
                catch (InvalidDataException)
                {
                    throw new ImportRefusedException(entry.FullName, "The zip entry cannot be read.");
                }
                using var document = Parse(json, entry.FullName);
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                {
                    throw new ImportRefusedException(entry.FullName, "A conversation is a JSON object.");
                }
                conversations.Add(ReadNative(document.RootElement, entry.FullName));
            }
            if (conversations.Count == 0)
            {
                throw new ImportRefusedException("file", "The zip holds no conversations/*.json.");
            }
            return conversations;
        }
    }

    private static JsonDocument Parse(ReadOnlyMemory<byte> json, string where)
    {
        try
        {
            return JsonDocument.Parse(json, DocumentOptions);
        }
        catch (JsonException e)
        {
            // The reader's message names the line and position, and the depth when that was the problem; never content.
            throw new ImportRefusedException(where, $"The file is not JSON this service can read: {e.Message}");
        }
    }

    private void CountMessages(int count, string where)
    {
        if (count > ImportLimits.MaxMessagesPerConversation)
        {
            throw new ImportRefusedException(where, $"A conversation holds at most {ImportLimits.MaxMessagesPerConversation} messages.");
        }
        _messages += count;
        if (_messages > ImportLimits.MaxMessages)
        {
            throw new ImportRefusedException(where, $"An import holds at most {ImportLimits.MaxMessages} messages.");
        }
    }

    private void Note(string note)
    {
        if (_notes.Count < ImportLimits.MaxNotes)
        {
            _notes.Add(note);
        }
    }

    private DateTimeOffset Now() => Infrastructure.ConversationStore.Truncate(timeProvider.GetUtcNow());

    /// <summary>Text this service can store: no NUL (PostgreSQL refuses it), at most <paramref name="max"/> characters.</summary>
    private static string Text(string value, string where, int max)
    {
        if (value.Contains('\0', StringComparison.Ordinal))
        {
            throw new ImportRefusedException(where, Microsoft.Extensions.Hosting.StorableText.Problem(where));
        }
        if (value.Length > max)
        {
            throw new ImportRefusedException(where, $"The text is longer than {max} characters.");
        }
        return value;
    }

    private static string? OptionalString(JsonElement obj, string name, string where, int max) =>
        !obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null ? null
        : value.ValueKind == JsonValueKind.String ? Text(value.GetString()!, $"{where}.{name}", max)
        : throw new ImportRefusedException($"{where}.{name}", "A string or null is expected.");

    private static string ImportTitle(string? title) =>
        string.IsNullOrWhiteSpace(title) ? "Imported conversation" : title.Trim();

    private static bool IsModelName(string? model) =>
        !string.IsNullOrWhiteSpace(model) && model.Length <= ConversationRules.MaxModelLength && !model.Any(char.IsWhiteSpace);
}
