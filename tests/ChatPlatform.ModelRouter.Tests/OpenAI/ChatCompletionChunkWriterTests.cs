using System.IO.Pipelines;
using System.Text;
using System.Text.Json.Nodes;
using ChatPlatform.ModelRouter.Model;
using ChatPlatform.ModelRouter.OpenAI;
using ChatPlatform.ModelRouter.Routing;

namespace ChatPlatform.ModelRouter.Tests.OpenAI;

public sealed class ChatCompletionChunkWriterTests
{
    private const string Head = """{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1767225600,"model":"m\u00221","choices":""";

    private static async Task<string> WrittenAsync(Action<ChatCompletionChunkWriter> write)
    {
        var pipe = new Pipe();
        write(new ChatCompletionChunkWriter(pipe.Writer, "chatcmpl-1", 1_767_225_600, "m\"1"));
        await pipe.Writer.CompleteAsync();
        var result = await pipe.Reader.ReadAsync(TestContext.Current.CancellationToken);
        var text = Encoding.UTF8.GetString(result.Buffer);
        pipe.Reader.AdvanceTo(result.Buffer.End);
        return text;
    }

    [Fact]
    public async Task Role_content_and_finish_chunks_are_OpenAI_events_one_after_another()
    {
        var text = await WrittenAsync(chunks =>
        {
            chunks.WriteRole();
            chunks.WriteContent("Say \"hi\"\n<b>é</b>");
            chunks.WriteFinish("length");
        });

        Assert.Equal(
            "data: " + Head + """[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}""" + "\n\n" +
            "data: " + Head + """[{"index":0,"delta":{"content":"Say \u0022hi\u0022\n\u003Cb\u003E\u00E9\u003C/b\u003E"},"finish_reason":null}]}""" + "\n\n" +
            "data: " + Head + """[{"index":0,"delta":{},"finish_reason":"length"}]}""" + "\n\n",
            text);
        var content = JsonNode.Parse(text.Split("\n\n")[1]["data: ".Length..])!;
        Assert.Equal("Say \"hi\"\n<b>é</b>", (string?)content["choices"]![0]!["delta"]!["content"]);
    }

    [Fact]
    public async Task A_tool_call_is_one_chunk_with_its_id_name_and_arguments_as_a_string()
    {
        var call = ToolCalls.Create("call_1", "get_weather", """{"city":"Paris"}""");

        var text = await WrittenAsync(chunks => chunks.WriteToolCall(2, call));

        Assert.Equal(
            "data: " + Head + """[{"index":0,"delta":{"tool_calls":[{"index":2,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\u0022city\u0022:\u0022Paris\u0022}"}}]},"finish_reason":null}]}""" + "\n\n",
            text);
    }

    [Fact]
    public async Task A_tool_call_fragment_after_the_first_has_only_its_index_and_a_piece_of_the_arguments()
    {
        var text = await WrittenAsync(chunks => chunks.WriteToolCall(1, id: null, name: null, arguments: "\"Paris\"}"));

        Assert.Equal(
            "data: " + Head + """[{"index":0,"delta":{"tool_calls":[{"index":1,"function":{"arguments":"\u0022Paris\u0022}"}}]},"finish_reason":null}]}""" + "\n\n",
            text);
    }

    [Fact]
    public async Task The_usage_chunk_has_no_choices_and_the_usage_with_ours_beside_it()
    {
        var usage = new RouteUsage("chat-model", "d1", ProviderKind.OpenAI, 30, 9, 12, Estimated: false,
            TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(1), 0.0015m, "stop");

        var text = await WrittenAsync(chunks => chunks.WriteUsage(ChatCompletionResults.ToWire(usage)));

        Assert.StartsWith("data: " + Head + """[],"usage":{""", text, StringComparison.Ordinal);
        Assert.EndsWith("}}\n\n", text, StringComparison.Ordinal);
        var chunk = JsonNode.Parse(text["data: ".Length..].TrimEnd('\n'))!;
        Assert.Equal((39, 12, "d1", 250), (
            (int)chunk["usage"]!["total_tokens"]!, (int)chunk["usage"]!["prompt_tokens_details"]!["cached_tokens"]!,
            (string?)chunk["usage"]!["chatplatform"]!["deployment"], (int)chunk["usage"]!["chatplatform"]!["time_to_first_token_ms"]!));
    }

    [Fact]
    public async Task An_error_is_an_event_with_only_the_error()
    {
        var text = await WrittenAsync(chunks => chunks.WriteError(ChatCompletionResults.ToWire(
            new RoutingException(502, "server_error", "stream_interrupted", "The answer was interrupted."))));

        Assert.Equal(
            """data: {"error":{"message":"The answer was interrupted.","type":"server_error","param":null,"code":"stream_interrupted"}}""" + "\n\n",
            text);
    }
}
