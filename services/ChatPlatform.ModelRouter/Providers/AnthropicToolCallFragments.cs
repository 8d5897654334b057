using System.Runtime.CompilerServices;
using Anthropic.Models.Messages;
using Microsoft.Extensions.AI;

namespace ChatPlatform.ModelRouter.Providers;

/// <summary>
/// The Anthropic SDK's <see cref="IChatClient"/>, with each streamed tool call also sent on as it is written, as the
/// router does for OpenAI's: the SDK adds a call only whole, once its block has ended, but passes every stream event on
/// as an update's raw representation. A <c>tool_use</c> block's start becomes the call's first fragment (id and name),
/// each <c>input_json_delta</c> a fragment of its arguments, numbered by the call's place in the answer; a call whose
/// input came as nothing (a tool without parameters) ends with <c>{}</c>, as OpenAI writes it. The whole call the SDK
/// adds at the block's end stays, for usage and for callers of a whole answer.
/// </summary>
internal sealed class AnthropicToolCallFragments(IChatClient inner) : DelegatingChatClient(inner)
{
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // The tool_use blocks by their index in the message: the call each is, and whether any of its input was sent.
        Dictionary<long, (int Call, bool HasInput)>? blocks = null;
        await foreach (var update in base.GetStreamingResponseAsync(messages, options, cancellationToken))
        {
            if (update.RawRepresentation is RawMessageStreamEvent streamEvent)
            {
                if (streamEvent.TryPickContentBlockStart(out var start) && start.ContentBlock.TryPickToolUse(out var toolUse))
                {
                    blocks ??= [];
                    var call = blocks.Count;
                    blocks[start.Index] = (call, HasInput: false);
                    update.Contents.Add(new ToolCallDelta(call, toolUse.ID, toolUse.Name, ""));
                }
                else if (streamEvent.TryPickContentBlockDelta(out var delta) && delta.Delta.TryPickInputJson(out var json)
                    && blocks is not null && blocks.TryGetValue(delta.Index, out var block) && json.PartialJson.Length > 0)
                {
                    blocks[delta.Index] = block with { HasInput = true };
                    update.Contents.Add(new ToolCallDelta(block.Call, null, null, json.PartialJson));
                }
                else if (streamEvent.TryPickContentBlockStop(out var stop)
                    && blocks is not null && blocks.TryGetValue(stop.Index, out var ended) && !ended.HasInput)
                {
                    update.Contents.Add(new ToolCallDelta(ended.Call, null, null, "{}"));
                }
            }
            yield return update;
        }
    }
}
