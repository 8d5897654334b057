using System.Text.Json;
using Microsoft.Extensions.AI;

namespace ChatPlatform.ModelRouter.OpenAI;

/// <summary>
/// A function call's arguments, which OpenAI's API carries as a string of JSON and Microsoft.Extensions.AI as a
/// dictionary. The string a call came with is kept as its raw representation and sent on unchanged, so that arguments
/// a model wrote as invalid JSON still reach the caller as the model wrote them.
/// </summary>
public static class ToolCalls
{
    /// <summary>The call; its <see cref="FunctionCallContent.Arguments"/> are null when the string is not a JSON object.</summary>
    public static FunctionCallContent Create(string callId, string name, string arguments) =>
        new(callId, name, Parse(arguments)) { RawRepresentation = arguments };

    /// <summary>The arguments as OpenAI sends them: the string the call came with, or its arguments as JSON.</summary>
    public static string Arguments(FunctionCallContent call) =>
        call.RawRepresentation as string
        ?? JsonSerializer.Serialize(call.Arguments ?? new Dictionary<string, object?>(), AIJsonUtilities.DefaultOptions);

    private static Dictionary<string, object?>? Parse(string arguments)
    {
        if (string.IsNullOrWhiteSpace(arguments))
        {
            return [];
        }
        try
        {
            return JsonSerializer.Deserialize<Dictionary<string, object?>>(arguments, AIJsonUtilities.DefaultOptions);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
