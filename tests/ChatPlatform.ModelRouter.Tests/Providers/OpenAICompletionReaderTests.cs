using System.Text;
using System.Text.Json;
using ChatPlatform.ModelRouter.Providers;
using Microsoft.Extensions.AI;

namespace ChatPlatform.ModelRouter.Tests.Providers;

public sealed class OpenAICompletionReaderTests
{
    private static ChatResponseUpdate? Read(string json) => OpenAICompletionReader.Read(Encoding.UTF8.GetBytes(json));

    [Fact]
    public void A_content_chunk_becomes_text_with_its_ids()
    {
        var update = Read("""{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1767225600,"model":"gpt-x","system_fingerprint":"fp","choices":[{"index":0,"delta":{"content":"Hel\nlo \u00e9"},"logprobs":null,"finish_reason":null}],"usage":null}""")!;

        Assert.Equal("Hel\nlo é", update.Text);
        Assert.Equal("chatcmpl-1", update.ResponseId);
        Assert.Equal("gpt-x", update.ModelId);
        Assert.Equal(ChatRole.Assistant, update.Role);
        Assert.Null(update.FinishReason);
        Assert.DoesNotContain(update.Contents, c => c is UsageContent);
    }

    [Fact]
    public void A_tool_call_delta_is_a_fragment_under_its_index()
    {
        var first = Read("""{"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":""}}]},"finish_reason":null}]}""")!;
        var next = Read("""{"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"function":{"arguments":"{\"city\""}}]},"finish_reason":null}]}""")!;

        var head = Assert.IsType<ToolCallDelta>(Assert.Single(first.Contents));
        var piece = Assert.IsType<ToolCallDelta>(Assert.Single(next.Contents));
        Assert.Equal((1, "call_1", "get_weather", ""), (head.Index, head.Id, head.Name, head.Arguments));
        Assert.Equal((1, (string?)null, (string?)null, "{\"city\""), (piece.Index, piece.Id, piece.Name, piece.Arguments));
    }

    [Fact]
    public void A_whole_messages_tool_calls_are_whole_with_their_arguments_parsed_and_kept_as_written()
    {
        var update = Read("""{"choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\": \"Paris\"}"}},{"id":"call_2","type":"function","function":{"name":"broken","arguments":"{oops"}}]},"finish_reason":"tool_calls"}]}""")!;

        var calls = update.Contents.OfType<FunctionCallContent>().ToList();
        Assert.Equal(["call_1", "call_2"], calls.Select(c => c.CallId));
        Assert.Equal("Paris", calls[0].Arguments!["city"]?.ToString());
        Assert.Equal("{\"city\": \"Paris\"}", ChatPlatform.ModelRouter.OpenAI.ToolCalls.Arguments(calls[0]));
        Assert.Null(calls[1].Arguments);
        Assert.Equal("{oops", ChatPlatform.ModelRouter.OpenAI.ToolCalls.Arguments(calls[1]));
        Assert.Equal(ChatFinishReason.ToolCalls, update.FinishReason);
    }

    [Fact]
    public void Streamed_fragments_of_two_calls_are_put_together_in_index_order()
    {
        var toolCalls = new StreamedToolCalls();
        string[] chunks =
        [
            """{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_a","function":{"name":"first","arguments":""}},{"index":1,"id":"call_b","function":{"name":"second","arguments":"{\"n\""}}]}}]}""",
            """{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"x\":"}}]}}]}""",
            """{"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"function":{"arguments":":2}"}},{"index":0,"function":{"arguments":"1}"}}]}}]}""",
        ];

        foreach (var chunk in chunks)
        {
            var update = Read(chunk)!;
            Assert.True(StreamedToolCalls.HasFragments(update));
            toolCalls.Add(update);
        }
        var calls = toolCalls.Complete().Cast<FunctionCallContent>().ToList();

        Assert.Equal([("call_a", "first", "{\"x\":1}"), ("call_b", "second", "{\"n\":2}")],
            calls.Select(c => (c.CallId, c.Name, ChatPlatform.ModelRouter.OpenAI.ToolCalls.Arguments(c))));
        Assert.True(toolCalls.IsEmpty);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Calls_from_a_server_that_sends_no_index_or_index_0_for_every_call_stay_apart_by_their_ids(bool indexZero)
    {
        var index = indexZero ? "\"index\":0," : "";
        var toolCalls = new StreamedToolCalls();
        var fragments = new List<ToolCallDelta>();
        foreach (var chunk in new[]
        {
            $$$"""{"choices":[{"index":0,"delta":{"tool_calls":[{{{{index}}}"id":"call_a","function":{"name":"first","arguments":"{\"x\""}}]}}]}""",
            $$$"""{"choices":[{"index":0,"delta":{"tool_calls":[{{{{index}}}"function":{"arguments":":1}"}}]}}]}""",
            $$$"""{"choices":[{"index":0,"delta":{"tool_calls":[{{{{index}}}"id":"call_b","function":{"name":"second","arguments":"{}"}}]}}]}""",
            $$$"""{"choices":[{"index":0,"delta":{"tool_calls":[{{{{index}}}"id":"","function":{"arguments":""}}]}}]}""",
        })
        {
            var update = Read(chunk)!;
            toolCalls.Add(update);
            fragments.Add(Assert.IsType<ToolCallDelta>(Assert.Single(update.Contents)));
        }

        var calls = toolCalls.Complete().Cast<FunctionCallContent>().ToList();
        // Numbered for the caller by call, whatever the server numbered them; an empty id is no id.
        Assert.Equal([0, 0, 1, 1], fragments.Select(f => f.Index ?? -1));
        Assert.Equal(["call_a", null, "call_b", null], fragments.Select(f => f.Id));

        Assert.Equal([("call_a", "first", "{\"x\":1}"), ("call_b", "second", "{}")],
            calls.Select(c => (c.CallId, c.Name, ChatPlatform.ModelRouter.OpenAI.ToolCalls.Arguments(c))));
    }

    [Fact]
    public void Fragments_go_on_renumbered_by_call_the_first_of_each_with_the_calls_id_and_name()
    {
        // The second call comes without an id, as some OpenAI-compatible servers send them.
        var toolCalls = new StreamedToolCalls();
        var updates = new[]
        {
            """{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_a","function":{"name":"first","arguments":""}}]}}]}""",
            """{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{}"}}]}}]}""",
            """{"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"function":{"name":"second","arguments":"{\"n\""}}]}}]}""",
            """{"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"function":{"arguments":":2}"}}]}}]}""",
        }.Select(chunk => Read(chunk)!).ToList();

        updates.ForEach(toolCalls.Add);
        var fragments = updates.Select(u => Assert.IsType<ToolCallDelta>(Assert.Single(u.Contents))).ToList();
        var calls = toolCalls.Complete().Cast<FunctionCallContent>().ToList();

        Assert.Equal([0, 0, 1, 1], fragments.Select(f => f.Index ?? -1));
        Assert.Equal(("call_a", "first"), (fragments[0].Id, fragments[0].Name));
        Assert.StartsWith("call_", fragments[2].Id, StringComparison.Ordinal);
        Assert.Equal("second", fragments[2].Name);
        Assert.All([fragments[1], fragments[3]], f => Assert.Equal((null, null), (f.Id, f.Name)));
        Assert.Equal(["{}", "{\"n\"", ":2}"], fragments.Skip(1).Select(f => f.Arguments ?? ""));
        // The whole calls keep the ids their fragments went out with.
        Assert.Equal([("call_a", "first", "{}"), (fragments[2].Id!, "second", "{\"n\":2}")],
            calls.Select(c => (c.CallId, c.Name, ChatPlatform.ModelRouter.OpenAI.ToolCalls.Arguments(c))));
    }

    [Fact]
    public void A_call_named_by_the_provider_only_after_its_first_fragment_stays_one_call_under_the_id_it_went_out_with()
    {
        var toolCalls = new StreamedToolCalls();
        var first = Read("""{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"a\""}}]}}]}""")!;
        var named = Read("""{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_late","function":{"name":"f","arguments":":1}"}}]}}]}""")!;

        toolCalls.Add(first);
        toolCalls.Add(named);
        var call = Assert.IsType<FunctionCallContent>(Assert.Single(toolCalls.Complete()));
        var (opening, late) = (Assert.IsType<ToolCallDelta>(Assert.Single(first.Contents)), Assert.IsType<ToolCallDelta>(Assert.Single(named.Contents)));

        Assert.Equal(opening.Id, call.CallId);
        Assert.Equal(("f", "{\"a\":1}"), (call.Name, ChatPlatform.ModelRouter.OpenAI.ToolCalls.Arguments(call)));
        // The name went out with the first fragment that had it; the late id did not replace the one the caller has.
        Assert.Equal((0, null, "f"), (late.Index ?? -1, late.Id, late.Name));
    }

    [Fact]
    public void A_call_that_never_got_an_id_is_given_one()
    {
        var toolCalls = new StreamedToolCalls();
        toolCalls.Add(Read("""{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"name":"f","arguments":"{}"}}]}}]}""")!);

        var call = Assert.IsType<FunctionCallContent>(Assert.Single(toolCalls.Complete()));

        Assert.StartsWith("call_", call.CallId, StringComparison.Ordinal);
    }

    [Fact]
    public void The_role_chunk_carries_no_text_and_the_last_chunk_the_finish_reason()
    {
        var role = Read("""{"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}""")!;
        var last = Read("""{"choices":[{"index":0,"delta":{},"finish_reason":"length"}]}""")!;

        Assert.Empty(role.Contents);
        Assert.Equal(ChatFinishReason.Length, last.FinishReason);
    }

    [Fact]
    public void The_usage_chunk_has_every_count_including_cached_and_reasoning_tokens()
    {
        var update = Read("""{"choices":[],"usage":{"prompt_tokens":30,"completion_tokens":9,"total_tokens":39,"prompt_tokens_details":{"audio_tokens":0,"cached_tokens":12},"completion_tokens_details":{"reasoning_tokens":4,"accepted_prediction_tokens":0}}}""")!;

        var usage = Assert.IsType<UsageContent>(Assert.Single(update.Contents)).Details;
        Assert.Equal((30L, 9L, 39L, 12L, 4L), (usage.InputTokenCount, usage.OutputTokenCount, usage.TotalTokenCount, usage.CachedInputTokenCount, usage.ReasoningTokenCount));
    }

    [Fact]
    public void A_whole_completion_is_read_from_its_message()
    {
        var update = Read("""{"id":"c","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"Whole answer","refusal":null},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}}""")!;

        Assert.Equal("Whole answer", update.Text);
        Assert.Equal(ChatFinishReason.Stop, update.FinishReason);
        Assert.Equal(5, update.Contents.OfType<UsageContent>().Single().Details.InputTokenCount);
    }

    [Fact]
    public void A_refusal_is_shown_as_text()
    {
        Assert.Equal("I can't help with that.", Read("""{"choices":[{"index":0,"delta":{"refusal":"I can't help with that."}}]}""")!.Text);
    }

    [Fact]
    public void Only_the_first_choice_is_read_and_unknown_fields_of_any_shape_are_skipped()
    {
        var update = Read("""{"extra":{"a":[1,{"b":null}],"c":"d"},"choices":[{"index":0,"delta":{"content":"first","tool_calls":[{"id":"x"}]},"new_field":[[]]},{"index":1,"delta":{"content":"second"},"finish_reason":"stop"}],"more":true}""")!;

        Assert.Equal("first", update.Text);
        Assert.Null(update.FinishReason);
    }

    [Fact]
    public void Null_or_empty_optional_fields_are_absent_not_errors()
    {
        var update = Read("""{"id":null,"created":1767225600123,"error":null,"choices":[{"index":0,"delta":{"role":"","content":null,"refusal":null},"finish_reason":""}],"usage":null}""")!;

        Assert.Empty(update.Contents);
        Assert.Null(update.FinishReason);
        Assert.Equal(ChatRole.Assistant, update.Role);
    }

    [Fact]
    public void Done_ends_the_stream()
    {
        Assert.Null(Read("[DONE]"));
    }

    [Theory]
    [InlineData("""{"choices":[{"index":0,"delta":{"content":"cut""")]
    [InlineData("""not json""")]
    [InlineData("""{"choices":[{"index":0,"delta":{"content":42}}]}""")]
    [InlineData("""{"usage":{"prompt_tokens":"many"}}""")]
    [InlineData("""[1,2]""")]
    public void A_malformed_chunk_is_a_json_error(string data)
    {
        Assert.ThrowsAny<JsonException>(() => Read(data));
    }

    [Fact]
    public void An_error_event_is_a_transient_provider_error_with_its_message_and_no_key()
    {
        var error = Assert.Throws<ProviderException>(() => Read("""{"error":{"message":"Overloaded, key sk-abcdefghijklmnop","type":"server_error","code":null}}"""));

        Assert.True(error.IsTransient);
        Assert.Null(error.StatusCode);
        Assert.Contains("Overloaded", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-abcdefghijklmnop", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"error":{"message":"Maximum context length is 4096 tokens","type":"BadRequestError","code":400}}""", "context length", 400, false)]
    [InlineData("""{"error":{"message":"Rate limited","code":429}}""", "Rate limited", 429, true)]
    [InlineData("""{"error":{"message":"Engine crashed","code":"internal"}}""", "Engine crashed", null, true)]
    [InlineData("""{"error":"Engine crashed"}""", "Engine crashed", null, true)]
    public void An_error_events_code_decides_whether_another_deployment_may_try(string data, string message, int? status, bool transient)
    {
        var error = Assert.Throws<ProviderException>(() => Read(data));

        Assert.Equal((status, transient), (error.StatusCode, error.IsTransient));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }
}
