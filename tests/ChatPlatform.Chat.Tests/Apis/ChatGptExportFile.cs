using System.Text.Json.Nodes;

namespace ChatPlatform.Chat.Tests.Apis;

/// <summary>
/// A <c>conversations.json</c> in the shape ChatGPT's data export writes it: an array of conversations, each with a
/// <c>mapping</c> of nodes (<c>id</c>, <c>parent</c>, <c>children</c>, <c>message</c>) from a root whose message is null,
/// a hidden empty system message, <c>current_node</c>, times as fractional Unix seconds, and the fields we ignore.
/// </summary>
internal sealed class ChatGptExportFile
{
    private readonly JsonArray _conversations = [];

    public const double Start = 1_717_000_000.25;

    public ChatGptConversation Add(string title, string? defaultModel = "gpt-4o")
    {
        var conversation = new ChatGptConversation(title, defaultModel);
        _conversations.Add(conversation.Json);
        return conversation;
    }

    public void AddRaw(JsonNode conversation) => _conversations.Add(conversation);

    public string ToJson() => _conversations.ToJsonString();
}

internal sealed class ChatGptConversation
{
    private readonly JsonObject _mapping = [];
    private double _time = ChatGptExportFile.Start;

    public ChatGptConversation(string title, string? defaultModel)
    {
        var id = Guid.NewGuid().ToString();
        Json = new JsonObject
        {
            ["title"] = title,
            ["create_time"] = ChatGptExportFile.Start,
            ["update_time"] = ChatGptExportFile.Start + 600,
            ["mapping"] = _mapping,
            ["moderation_results"] = new JsonArray(),
            ["current_node"] = null,
            ["plugin_ids"] = null,
            ["conversation_id"] = id,
            ["conversation_template_id"] = null,
            ["gizmo_id"] = null,
            ["gizmo_type"] = null,
            ["is_archived"] = false,
            ["is_starred"] = null,
            ["safe_urls"] = new JsonArray(),
            ["default_model_slug"] = defaultModel,
            ["conversation_origin"] = null,
            ["voice"] = null,
            ["async_status"] = null,
            ["disabled_tool_ids"] = new JsonArray(),
            ["id"] = id,
        };
        Root = Node(null, null);
        HiddenSystem = Node(Root, Message("system", Text(""), null, time: null, hidden: true));
    }

    public JsonObject Json { get; }

    /// <summary>The node whose message is null, as every export starts.</summary>
    public string Root { get; }

    /// <summary>ChatGPT's empty system message, hidden from the conversation.</summary>
    public string HiddenSystem { get; }

    public string CurrentNode
    {
        set => Json["current_node"] = value;
    }

    public string User(string parent, string text) => Node(parent, Message("user", Text(text), null));

    public string Assistant(string parent, string text, string model = "gpt-4o") => Node(parent, Message("assistant", Text(text), model));

    /// <summary>A user message with an uploaded image beside its text (<c>multimodal_text</c>).</summary>
    public string UserWithImage(string parent, string text) => Node(parent, Message("user", new JsonObject
    {
        ["content_type"] = "multimodal_text",
        ["parts"] = new JsonArray(
            new JsonObject
            {
                ["content_type"] = "image_asset_pointer",
                ["asset_pointer"] = "file-service://file-abc123",
                ["size_bytes"] = 123456,
                ["width"] = 800,
                ["height"] = 600,
            },
            text),
    }, null));

    /// <summary>The assistant calling the python tool: <c>code</c> content addressed to the tool.</summary>
    public string ToolCall(string parent, string code) => Node(parent, Message("assistant", new JsonObject
    {
        ["content_type"] = "code",
        ["language"] = "unknown",
        ["response_format_name"] = null,
        ["text"] = code,
    }, "gpt-4o", recipient: "python"));

    /// <summary>The tool's answer: role <c>tool</c>, <c>execution_output</c>.</summary>
    public string ToolOutput(string parent, string output) => Node(parent, Message("tool", new JsonObject
    {
        ["content_type"] = "execution_output",
        ["text"] = output,
    }, null, name: "python"));

    private string Node(string? parent, JsonObject? message)
    {
        var id = message?["id"]?.GetValue<string>() ?? Guid.NewGuid().ToString();
        _mapping[id] = new JsonObject
        {
            ["id"] = id,
            ["message"] = message,
            ["parent"] = parent,
            ["children"] = new JsonArray(),
        };
        if (parent is not null)
        {
            _mapping[parent]!["children"]!.AsArray().Add(id);
        }
        return id;
    }

    private static JsonObject Text(string text) => new() { ["content_type"] = "text", ["parts"] = new JsonArray(text) };

    private JsonObject Message(string role, JsonObject content, string? model, double? time = -1, bool hidden = false, string recipient = "all", string? name = null)
    {
        _time += 30.5;
        var metadata = new JsonObject();
        if (model is not null)
        {
            metadata["model_slug"] = model;
            metadata["default_model_slug"] = model;
        }
        if (hidden)
        {
            metadata["is_visually_hidden_from_conversation"] = true;
        }
        return new JsonObject
        {
            ["id"] = Guid.NewGuid().ToString(),
            ["author"] = new JsonObject { ["role"] = role, ["name"] = name, ["metadata"] = new JsonObject() },
            ["create_time"] = time == -1 ? _time : time,
            ["update_time"] = null,
            ["content"] = content,
            ["status"] = "finished_successfully",
            ["end_turn"] = role == "assistant" ? true : null,
            ["weight"] = 1.0,
            ["metadata"] = metadata,
            ["recipient"] = recipient,
            ["channel"] = null,
        };
    }
}
