using System.Text.Json;
using ChatPlatform.Chat.Model;

namespace ChatPlatform.Chat.Services.Import;

public sealed partial class ImportReader
{
    /// <summary>
    /// Our <c>chatplatform.conversation</c> version 1 (docs/conversations.md, Export). Messages come parents first, so a
    /// parent not seen before its child is an error: that also rules out cycles. Ids are the file's own and are
    /// replaced when written, so the same file imports twice as two conversations.
    /// </summary>
    private ImportedConversation ReadNative(JsonElement c, string where)
    {
        if (OptionalString(c, "format", where, 100) != ConversationExport.FormatName)
        {
            throw new ImportRefusedException($"{where}.format", $"The format is not \"{ConversationExport.FormatName}\" (nor ChatGPT's, which has a mapping).");
        }
        if (!c.TryGetProperty("version", out var version) || version.ValueKind != JsonValueKind.Number
            || !version.TryGetInt32(out var v) || v != ConversationExport.CurrentVersion)
        {
            throw new ImportRefusedException($"{where}.version", $"Only version {ConversationExport.CurrentVersion} can be imported.");
        }
        var model = OptionalString(c, "model", where, ConversationRules.MaxModelLength);
        if (!IsModelName(model))
        {
            throw new ImportRefusedException($"{where}.model", $"The model is a name of 1 to {ConversationRules.MaxModelLength} characters without spaces.");
        }
        var title = OptionalString(c, "title", where, ConversationRules.MaxTitleLength);
        var systemPrompt = OptionalString(c, "systemPrompt", where, ConversationRules.MaxSystemPromptLength);
        string? folder = null;
        if (c.TryGetProperty("folder", out var f) && f.ValueKind == JsonValueKind.Object)
        {
            folder = OptionalString(f, "name", $"{where}.folder", OrganiseRules.MaxFolderNameLength);
        }
        var tags = ReadTags(c, where);
        var starred = OptionalBool(c, "starred", where);
        var archived = OptionalBool(c, "archived", where);
        var createdAt = OptionalTime(c, "createdAt", where) ?? Now();

        if (!c.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array)
        {
            throw new ImportRefusedException($"{where}.messages", "The messages are an array.");
        }
        CountMessages(messages.GetArrayLength(), $"{where}.messages");
        var read = new List<ImportedMessage>(messages.GetArrayLength());
        var indexes = new Dictionary<Guid, int>();
        var i = 0;
        foreach (var m in messages.EnumerateArray())
        {
            var at = $"{where}.messages[{i++}]";
            if (m.ValueKind != JsonValueKind.Object)
            {
                throw new ImportRefusedException(at, "A message is a JSON object.");
            }
            var id = RequiredGuid(m, "id", at);
            int? parent = null;
            if (OptionalGuid(m, "parentId", at) is { } parentId)
            {
                parent = indexes.TryGetValue(parentId, out var p)
                    ? p
                    : throw new ImportRefusedException($"{at}.parentId", "The parent is not a message before this one: messages come parents first.");
            }
            if (!indexes.TryAdd(id, read.Count))
            {
                throw new ImportRefusedException($"{at}.id", "Two messages have this id.");
            }
            var role = OptionalString(m, "role", at, 20) switch
            {
                "user" => MessageRole.User,
                "assistant" => MessageRole.Assistant,
                "system" => MessageRole.System,
                _ => throw new ImportRefusedException($"{at}.role", "The role is user, assistant or system."),
            };
            var content = OptionalString(m, "content", at, ConversationRules.MaxContentLength)
                ?? throw new ImportRefusedException($"{at}.content", "The content is a string.");
            var status = OptionalString(m, "status", at, 20) switch
            {
                null or "complete" => MessageStatus.Complete,
                "stopped" => MessageStatus.Stopped,
                "failed" => MessageStatus.Failed,
                // Nothing generates it here: an answer exported mid-stream is imported as cut short.
                "streaming" or "interrupted" => MessageStatus.Interrupted,
                _ => throw new ImportRefusedException($"{at}.status", "The status is complete, stopped, failed, interrupted or streaming."),
            };
            var messageModel = OptionalString(m, "model", at, ConversationRules.MaxModelLength);
            read.Add(new ImportedMessage(parent, role, content, status, IsModelName(messageModel) ? messageModel : null,
                OptionalTime(m, "createdAt", at) ?? createdAt));
            if (m.TryGetProperty("attachments", out var files) && files.ValueKind == JsonValueKind.Array && files.GetArrayLength() > 0)
            {
                Note($"{ImportTitle(title)}: attached files are not imported (they stay in the files of the account that exported them).");
            }
        }
        int? selected = null;
        if (OptionalGuid(c, "currentLeafId", where) is { } leaf)
        {
            selected = indexes.TryGetValue(leaf, out var s)
                ? s
                : throw new ImportRefusedException($"{where}.currentLeafId", "The current leaf is not one of the messages.");
        }
        return new ImportedConversation(ImportTitle(title), model!, systemPrompt, folder, tags, starred, archived, createdAt, read,
            selected ?? (read.Count > 0 ? read.Count - 1 : null));
    }

    private static IReadOnlyList<string> ReadTags(JsonElement c, string where)
    {
        if (!c.TryGetProperty("tags", out var tags) || tags.ValueKind == JsonValueKind.Null)
        {
            return [];
        }
        if (tags.ValueKind != JsonValueKind.Array || tags.GetArrayLength() > OrganiseRules.MaxTagsPerConversation
            || tags.EnumerateArray().Any(t => t.ValueKind != JsonValueKind.String))
        {
            throw new ImportRefusedException($"{where}.tags", $"The tags are an array of at most {OrganiseRules.MaxTagsPerConversation} strings.");
        }
        var errors = new Dictionary<string, string[]>();
        var normalised = OrganiseRules.Tags([.. tags.EnumerateArray().Select(t => Text(t.GetString()!, $"{where}.tags", 1000))], errors);
        return normalised ?? throw new ImportRefusedException($"{where}.tags", errors["tags"][0]);
    }

    private static bool OptionalBool(JsonElement obj, string name, string where) =>
        !obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null ? false
        : value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean()
        : throw new ImportRefusedException($"{where}.{name}", "true or false is expected.");

    private static DateTimeOffset? OptionalTime(JsonElement obj, string name, string where) =>
        !obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null ? null
        : value.ValueKind == JsonValueKind.String && value.TryGetDateTimeOffset(out var time) ? Infrastructure.ConversationStore.Truncate(time)
        : throw new ImportRefusedException($"{where}.{name}", "A date-time with its offset (ISO 8601) is expected.");

    private static Guid? OptionalGuid(JsonElement obj, string name, string where) =>
        !obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null ? null
        : value.ValueKind == JsonValueKind.String && value.TryGetGuid(out var id) ? id
        : throw new ImportRefusedException($"{where}.{name}", "A UUID or null is expected.");

    private static Guid RequiredGuid(JsonElement obj, string name, string where) =>
        OptionalGuid(obj, name, where) ?? throw new ImportRefusedException($"{where}.{name}", "A UUID is expected.");
}
