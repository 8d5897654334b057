using System.Text;
using System.Text.Json;
using ChatPlatform.Chat.Model;

namespace ChatPlatform.Chat.Services.Import;

public sealed partial class ImportReader
{
    private const string FallbackModel = "imported";

    /// <summary>
    /// One conversation of ChatGPT's <c>conversations.json</c>: <c>mapping</c> is its tree, node id → <c>{id, parent,
    /// children, message}</c>, with <c>current_node</c> the leaf on screen. Nodes without text (the null root, tool
    /// calls and their output, hidden empty system messages, images) are skipped and their children hang from the
    /// nearest ancestor kept, so branches stay branches. Every node must reach a root through its parents: one that
    /// does not sits on a cycle, and the file is refused.
    /// </summary>
    private ImportedConversation ReadChatGpt(JsonElement c, string where, string? model)
    {
        var title = ImportTitle(Shorten(OptionalString(c, "title", where, ConversationRules.MaxContentLength), ConversationRules.MaxTitleLength));
        var createdAt = UnixTime(c, "create_time", where) ?? Now();
        var mapping = c.GetProperty("mapping");
        if (mapping.ValueKind != JsonValueKind.Object)
        {
            throw new ImportRefusedException($"{where}.mapping", "The mapping is an object of nodes by id.");
        }
        var nodes = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var property in mapping.EnumerateObject())
        {
            if (nodes.Count == ImportLimits.MaxMessagesPerConversation)
            {
                throw new ImportRefusedException($"{where}.mapping", $"A conversation holds at most {ImportLimits.MaxMessagesPerConversation} messages.");
            }
            if (property.Value.ValueKind != JsonValueKind.Object)
            {
                throw new ImportRefusedException($"{where}.mapping", "Each node of the mapping is an object.");
            }
            if (!nodes.TryAdd(Text(property.Name, $"{where}.mapping", 200), property.Value))
            {
                throw new ImportRefusedException($"{where}.mapping", "Two nodes have the same id.");
            }
        }

        // Children by parent, in the order the parent lists them (ChatGPT's sibling order), any it does not list after.
        var children = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var roots = new List<string>();
        foreach (var (id, node) in nodes)
        {
            var parent = OptionalString(node, "parent", $"{where}.mapping.{id}", 200);
            if (parent is null)
            {
                roots.Add(id);
            }
            else if (!nodes.ContainsKey(parent))
            {
                throw new ImportRefusedException($"{where}.mapping.{id}.parent", "The parent is not a node of the mapping.");
            }
            else
            {
                (children.TryGetValue(parent, out var list) ? list : children[parent] = []).Add(id);
            }
        }
        foreach (var (parent, list) in children)
        {
            var order = SiblingOrder(nodes[parent], $"{where}.mapping.{parent}");
            list.Sort((a, b) => order.GetValueOrDefault(a, int.MaxValue).CompareTo(order.GetValueOrDefault(b, int.MaxValue)));
        }

        var messages = new List<ImportedMessage>();
        var kept = new Dictionary<string, int>(StringComparer.Ordinal);
        var skipped = new Dictionary<string, int>(StringComparer.Ordinal);
        var visited = 0;
        // Depth first without recursion: a chain of 10,000 nodes is fine, and a parent is always written before its child.
        var pending = new Stack<(string Id, int? KeptAncestor)>(roots.Select(r => (r, (int?)null)).Reverse());
        while (pending.TryPop(out var item))
        {
            visited++;
            var at = $"{where}.mapping.{item.Id}";
            var message = ReadChatGptMessage(nodes[item.Id], at, item.KeptAncestor, createdAt, skipped);
            var ancestor = item.KeptAncestor;
            if (message is not null)
            {
                ancestor = messages.Count;
                kept[item.Id] = messages.Count;
                messages.Add(message);
            }
            if (children.TryGetValue(item.Id, out var list))
            {
                for (var i = list.Count - 1; i >= 0; i--)
                {
                    pending.Push((list[i], ancestor));
                }
            }
        }
        if (visited != nodes.Count)
        {
            throw new ImportRefusedException($"{where}.mapping", "The mapping has a cycle: some nodes never reach a root through their parents.");
        }
        CountMessages(messages.Count, $"{where}.mapping");
        foreach (var (what, count) in skipped)
        {
            Note($"{title}: {count} {what} skipped.");
        }

        var conversationModel = model ?? (OptionalString(c, "default_model_slug", where, 200) is { } slug && IsModelName(slug) ? slug : null)
            ?? messages.FirstOrDefault(m => m.Role == MessageRole.Assistant && m.Model is not null)?.Model ?? FallbackModel;
        return new ImportedConversation(title, conversationModel, null, null, [], false, OptionalBool(c, "is_archived", where), createdAt, messages,
            SelectedLeaf(c, where, nodes, kept, messages.Count));
    }

    /// <summary>The node <c>current_node</c> names, or its nearest ancestor kept; the last message when it names none.</summary>
    private static int? SelectedLeaf(JsonElement c, string where, Dictionary<string, JsonElement> nodes, Dictionary<string, int> kept, int count)
    {
        var current = OptionalString(c, "current_node", where, 200);
        // The walk is bounded by the number of nodes: the mapping was checked for cycles already.
        while (current is not null && nodes.TryGetValue(current, out var node))
        {
            if (kept.TryGetValue(current, out var index))
            {
                return index;
            }
            current = node.TryGetProperty("parent", out var parent) && parent.ValueKind == JsonValueKind.String ? parent.GetString() : null;
        }
        return count > 0 ? count - 1 : null;
    }

    private static Dictionary<string, int> SiblingOrder(JsonElement node, string where)
    {
        var order = new Dictionary<string, int>(StringComparer.Ordinal);
        if (!node.TryGetProperty("children", out var list) || list.ValueKind == JsonValueKind.Null)
        {
            return order;
        }
        if (list.ValueKind != JsonValueKind.Array)
        {
            throw new ImportRefusedException($"{where}.children", "The children are an array of node ids.");
        }
        foreach (var child in list.EnumerateArray())
        {
            if (child.ValueKind != JsonValueKind.String)
            {
                throw new ImportRefusedException($"{where}.children", "The children are an array of node ids.");
            }
            order.TryAdd(child.GetString()!, order.Count);
        }
        return order;
    }

    /// <summary>The node's text message, or null (counted in <paramref name="skipped"/>) when it has none to keep.</summary>
    private static ImportedMessage? ReadChatGptMessage(
        JsonElement node, string where, int? parent, DateTimeOffset conversationCreated, Dictionary<string, int> skipped)
    {
        if (!node.TryGetProperty("message", out var message) || message.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (message.ValueKind != JsonValueKind.Object)
        {
            throw new ImportRefusedException($"{where}.message", "A node's message is an object or null.");
        }
        var role = message.TryGetProperty("author", out var author) && author.ValueKind == JsonValueKind.Object
            ? OptionalString(author, "role", $"{where}.message.author", 100)
            : throw new ImportRefusedException($"{where}.message.author", "A message has an author with a role.");
        MessageRole? mapped = role switch
        {
            "user" => MessageRole.User,
            "assistant" => MessageRole.Assistant,
            "system" => MessageRole.System,
            _ => null,
        };
        if (mapped is null)
        {
            Count(skipped, $"{role ?? "unknown"} messages (tool calls and their output)");
            return null;
        }
        var text = ChatGptText(message, $"{where}.message", skipped);
        if (string.IsNullOrWhiteSpace(text))
        {
            // ChatGPT keeps empty system messages and the empty assistant turns around tool calls; nothing to read in them.
            return null;
        }
        var model = message.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object
            ? OptionalString(metadata, "model_slug", $"{where}.message.metadata", 200)
            : null;
        return new ImportedMessage(parent, mapped.Value, Text(text, $"{where}.message.content", ConversationRules.MaxContentLength),
            MessageStatus.Complete, mapped == MessageRole.Assistant && IsModelName(model) ? model : null,
            UnixTime(message, "create_time", $"{where}.message") ?? conversationCreated);
    }

    /// <summary>
    /// <c>content.parts</c>' strings joined by blank lines (<c>text</c>, <c>multimodal_text</c>), or <c>content.text</c>
    /// (<c>code</c>, fenced); images and other parts that are not text are counted as skipped.
    /// </summary>
    private static string? ChatGptText(JsonElement message, string where, Dictionary<string, int> skipped)
    {
        if (!message.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.Object)
        {
            throw new ImportRefusedException($"{where}.content", "A message has a content object.");
        }
        var type = OptionalString(content, "content_type", $"{where}.content", 100);
        if (type == "code")
        {
            return OptionalString(content, "text", $"{where}.content", ConversationRules.MaxContentLength) is { } code ? $"```\n{code}\n```" : null;
        }
        if (!content.TryGetProperty("parts", out var parts) || parts.ValueKind == JsonValueKind.Null)
        {
            Count(skipped, $"messages of type {type ?? "unknown"}");
            return null;
        }
        if (parts.ValueKind != JsonValueKind.Array)
        {
            throw new ImportRefusedException($"{where}.content.parts", "The parts are an array.");
        }
        var text = new StringBuilder();
        foreach (var part in parts.EnumerateArray())
        {
            if (part.ValueKind == JsonValueKind.String)
            {
                var s = Text(part.GetString()!, $"{where}.content.parts", ConversationRules.MaxContentLength);
                if (s.Length > 0)
                {
                    text.Append(text.Length > 0 ? "\n\n" : "").Append(s);
                }
            }
            else
            {
                Count(skipped, "images or other parts that are not text");
            }
            if (text.Length > ConversationRules.MaxContentLength)
            {
                throw new ImportRefusedException($"{where}.content", $"The text is longer than {ConversationRules.MaxContentLength} characters.");
            }
        }
        return text.ToString();
    }

    /// <summary>At most <paramref name="max"/> characters, never half a surrogate pair.</summary>
    private static string? Shorten(string? text, int max) =>
        text is null || text.Length <= max ? text : text[..(char.IsHighSurrogate(text[max - 1]) ? max - 1 : max)];

    private static void Count(Dictionary<string, int> counts, string what) => counts[what] = counts.GetValueOrDefault(what) + 1;

    /// <summary>ChatGPT's times: seconds since 1970 as a number (with a fraction), or null.</summary>
    private static DateTimeOffset? UnixTime(JsonElement obj, string name, string where)
    {
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var seconds) || seconds is < 0 or > 253_402_300_799)
        {
            throw new ImportRefusedException($"{where}.{name}", "A time is a number of seconds since 1970.");
        }
        return Infrastructure.ConversationStore.Truncate(DateTimeOffset.UnixEpoch.AddTicks((long)(seconds * TimeSpan.TicksPerSecond)));
    }
}
