using System.Runtime.CompilerServices;
using Anthropic.Models.Messages;
using Microsoft.Extensions.AI;

namespace ChatPlatform.ModelRouter.Providers;

/// <summary>
/// The Anthropic SDK's <see cref="IChatClient"/>, with each streamed tool call also sent on as it is written, as the
/// router does for OpenAI's: the SDK adds a call only whole, once its block has ended, but passes every stream event on
/// as an update's raw representation. A <c>tool_use</c> block's start becomes the call's first fragment (id and name),
/// each <c>input_json_delta</c> a fragment of its arguments, numbered by the call's place in the answer. The whole
/// call the SDK adds at the block's end stays, for usage and for callers of a whole answer.
/// </summary>
internal sealed class AnthropicToolCallFragments(IChatClient inner) : DelegatingChatClient(inner)
{
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // The call each open tool_use block is, by the block's index in the message.
        Dictionary<long, int>? calls = null;
        await foreach (var update in base.GetStreamingResponseAsync(messages, options, cancellationToken))
        {
            if (update.RawRepresentation is RawMessageStreamEvent streamEvent)
            {
                if (streamEvent.TryPickContentBlockStart(out var start) && start.ContentBlock.TryPickToolUse(out var toolUse))
                {
                    calls ??= [];
                    var call = calls.Count;
                    calls[start.Index] = call;
                    update.Contents.Add(new ToolCallDelta(call, toolUse.ID, toolUse.Name, ""));
                }
                else if (streamEvent.TryPickContentBlockDelta(out var delta) && delta.Delta.TryPickInputJson(out var json)
                    && calls is not null && calls.TryGetValue(delta.Index, out var call))
                {
                    update.Contents.Add(new ToolCallDelta(call, null, null, json.PartialJson));
                }
            }
            yield return update;
        }
    }
}
