using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;

namespace ChatPlatform.ModelRouter.OpenAI;

/// <summary>
/// Writes one answer's <c>chat.completion.chunk</c> events, each as <c>data: {json}\n\n</c>, straight into the response
/// pipe. It is the per-token hot path, so the chunks are written by hand with pre-encoded names through one
/// <see cref="Utf8JsonWriter"/>, rather than as an object graph serialized per token. Flushing is the caller's.
/// </summary>
internal sealed class ChatCompletionChunkWriter(PipeWriter pipe, string id, long created, string model)
{
    private static ReadOnlySpan<byte> DataPrefix => "data: "u8;
    private static ReadOnlySpan<byte> EventEnd => "\n\n"u8;
    private static ReadOnlySpan<byte> DoneEvent => "data: [DONE]\n\n"u8;
    private static readonly JsonEncodedText Id = JsonEncodedText.Encode("id");
    private static readonly JsonEncodedText Object = JsonEncodedText.Encode("object");
    private static readonly JsonEncodedText ChunkObject = JsonEncodedText.Encode("chat.completion.chunk");
    private static readonly JsonEncodedText Created = JsonEncodedText.Encode("created");
    private static readonly JsonEncodedText Model = JsonEncodedText.Encode("model");
    private static readonly JsonEncodedText Choices = JsonEncodedText.Encode("choices");
    private static readonly JsonEncodedText Index = JsonEncodedText.Encode("index");
    private static readonly JsonEncodedText Delta = JsonEncodedText.Encode("delta");
    private static readonly JsonEncodedText Role = JsonEncodedText.Encode("role");
    private static readonly JsonEncodedText Assistant = JsonEncodedText.Encode("assistant");
    private static readonly JsonEncodedText Content = JsonEncodedText.Encode("content");
    private static readonly JsonEncodedText FinishReason = JsonEncodedText.Encode("finish_reason");
    private static readonly JsonEncodedText Usage = JsonEncodedText.Encode("usage");
    private static readonly JsonEncodedText ToolCallsName = JsonEncodedText.Encode("tool_calls");
    private static readonly JsonEncodedText Type = JsonEncodedText.Encode("type");
    private static readonly JsonEncodedText Function = JsonEncodedText.Encode("function");
    private static readonly JsonEncodedText Name = JsonEncodedText.Encode("name");
    private static readonly JsonEncodedText Arguments = JsonEncodedText.Encode("arguments");

    private readonly JsonEncodedText _id = JsonEncodedText.Encode(id);
    private readonly JsonEncodedText _model = JsonEncodedText.Encode(model);
    private readonly Utf8JsonWriter _json = new(pipe);

    /// <summary>The first chunk: the assistant's role and empty content.</summary>
    public void WriteRole() => WriteChoice(role: true, content: "", finishReason: null);

    public void WriteContent(string text) => WriteChoice(role: false, content: text, finishReason: null);

    /// <summary>A whole tool call (id, function name and arguments) in one delta, at its place among the answer's calls.</summary>
    public void WriteToolCall(int index, Microsoft.Extensions.AI.FunctionCallContent call) =>
        WriteToolCall(index, call.CallId, call.Name, ToolCalls.Arguments(call));

    /// <summary>
    /// A tool call or a fragment of one: the first fragment of a call carries its id, type and name, the next ones only
    /// pieces of its arguments, all under the call's index, as OpenAI streams them.
    /// </summary>
    public void WriteToolCall(int index, string? id, string? name, string? arguments)
    {
        StartChunk();
        _json.WriteStartArray(Choices);
        _json.WriteStartObject();
        _json.WriteNumber(Index, 0);
        _json.WriteStartObject(Delta);
        _json.WriteStartArray(ToolCallsName);
        _json.WriteStartObject();
        _json.WriteNumber(Index, index);
        if (id is not null)
        {
            _json.WriteString(Id, id);
            _json.WriteString(Type, Function);
        }
        _json.WriteStartObject(Function);
        if (name is not null)
        {
            _json.WriteString(Name, name);
        }
        _json.WriteString(Arguments, arguments ?? "");
        _json.WriteEndObject();
        _json.WriteEndObject();
        _json.WriteEndArray();
        _json.WriteEndObject();
        _json.WriteNull(FinishReason);
        _json.WriteEndObject();
        _json.WriteEndArray();
        EndChunk();
    }

    /// <summary>The last choice chunk: an empty delta and why the answer ended.</summary>
    public void WriteFinish(string finishReason) => WriteChoice(role: false, content: null, finishReason);

    /// <summary>The usage chunk that <c>stream_options.include_usage</c> asks for: no choices, the usage.</summary>
    public void WriteUsage(CompletionUsage usage)
    {
        StartChunk();
        _json.WriteStartArray(Choices);
        _json.WriteEndArray();
        _json.WritePropertyName(Usage);
        JsonSerializer.Serialize(_json, usage, OpenAIJson.Options);
        EndChunk();
    }

    /// <summary>A failure after the stream began, as OpenAI sends it: <c>data: {"error": …}</c>.</summary>
    public void WriteError(OpenAIErrorResponse error)
    {
        pipe.Write(DataPrefix);
        JsonSerializer.Serialize(_json, error, OpenAIJson.Options);
        EndEvent();
    }

    /// <summary>The end of a whole answer: <c>data: [DONE]</c>.</summary>
    public void WriteDone() => pipe.Write(DoneEvent);

    private void WriteChoice(bool role, string? content, string? finishReason)
    {
        StartChunk();
        _json.WriteStartArray(Choices);
        _json.WriteStartObject();
        _json.WriteNumber(Index, 0);
        _json.WriteStartObject(Delta);
        if (role)
        {
            _json.WriteString(Role, Assistant);
        }
        if (content is not null)
        {
            _json.WriteString(Content, content);
        }
        _json.WriteEndObject();
        if (finishReason is null)
        {
            _json.WriteNull(FinishReason);
        }
        else
        {
            _json.WriteString(FinishReason, finishReason);
        }
        _json.WriteEndObject();
        _json.WriteEndArray();
        EndChunk();
    }

    private void StartChunk()
    {
        pipe.Write(DataPrefix);
        _json.WriteStartObject();
        _json.WriteString(Id, _id);
        _json.WriteString(Object, ChunkObject);
        _json.WriteNumber(Created, created);
        _json.WriteString(Model, _model);
    }

    private void EndChunk()
    {
        _json.WriteEndObject();
        EndEvent();
    }

    // The JSON is committed to the pipe before the blank line that ends the event goes after it.
    private void EndEvent()
    {
        _json.Flush();
        _json.Reset();
        pipe.Write(EventEnd);
    }
}
