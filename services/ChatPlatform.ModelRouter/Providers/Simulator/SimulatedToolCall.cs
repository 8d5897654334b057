using Microsoft.Extensions.AI;

namespace ChatPlatform.ModelRouter.Providers.Simulator;

/// <summary>
/// The simulator's function calling, deterministic so that clients can be built and tested offline: given tools (and a
/// tool choice other than none), its answer to a user message is one call of the required function, or else of the
/// first one declared, with each required argument filled from its schema (<see cref="SchemaPlaceholders"/>); its
/// answer to tool results is text.
/// </summary>
internal static class SimulatedToolCall
{
    /// <summary>The call to make, or null when the answer is text.</summary>
    public static FunctionCallContent? For(IReadOnlyList<ChatMessage> messages, ChatOptions? options)
    {
        if (options?.Tools is not { Count: > 0 } tools || options.ToolMode is NoneChatToolMode
            || messages.Count == 0 || messages[^1].Role != ChatRole.User)
        {
            return null;
        }
        var required = (options.ToolMode as RequiredChatToolMode)?.RequiredFunctionName;
        var function = tools.OfType<AIFunctionDeclaration>().FirstOrDefault(f => required is null || f.Name == required);
        if (function is null)
        {
            return null;
        }
        var arguments = SchemaPlaceholders.Object(function.JsonSchema, requiredOnly: true);
        return new FunctionCallContent($"call_sim_{Guid.NewGuid():N}", function.Name, arguments);
    }
}
