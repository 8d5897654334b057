using System.Text.Json;
using Microsoft.Extensions.AI;

namespace ChatPlatform.ModelRouter.OpenAI;

/// <summary>
/// <c>reasoning_effort</c>, as Microsoft.Extensions.AI's <see cref="ReasoningOptions"/> with OpenAI's own word kept
/// beside it (<see cref="ReasoningEffortProperty"/>: "minimal" has no equal there); and the fields the router cannot
/// honour through every provider (<c>logprobs</c>, <c>top_logprobs</c>, <c>logit_bias</c>, and audio answers through
/// <c>modalities</c> and <c>audio</c>), refused with a 400 when they ask for something rather than silently dropped.
/// </summary>
public static partial class ChatCompletionRequestReader
{
    public const string ReasoningEffortProperty = "reasoning_effort";

    private static ReasoningOptions? ReadReasoningEffort(JsonElement root, ChatOptions options)
    {
        if (OptionalString(root, "reasoning_effort") is not { } effort)
        {
            return null;
        }
        var mapped = effort switch
        {
            "none" => ReasoningEffort.None,
            "minimal" or "low" => ReasoningEffort.Low,
            "medium" => ReasoningEffort.Medium,
            "high" => ReasoningEffort.High,
            "xhigh" => ReasoningEffort.ExtraHigh,
            _ => throw Invalid($"'{effort}' is not a valid 'reasoning_effort': use none, minimal, low, medium, high or xhigh.", "reasoning_effort"),
        };
        (options.AdditionalProperties ??= [])[ReasoningEffortProperty] = effort;
        return new ReasoningOptions { Effort = mapped };
    }

    private static void RefuseUnsupported(JsonElement root)
    {
        if (OptionalBool(root, "logprobs") == true)
        {
            throw Invalid("Log probabilities are not supported: 'logprobs' must be false or absent.", "logprobs");
        }
        if (OptionalLong(root, "top_logprobs") is > 0)
        {
            throw Invalid("Log probabilities are not supported: 'top_logprobs' must be 0 or absent.", "top_logprobs");
        }
        if (root.TryGetProperty("logit_bias", out var bias) && bias.ValueKind != JsonValueKind.Null
            && (bias.ValueKind != JsonValueKind.Object || bias.EnumerateObject().Any()))
        {
            throw Invalid("'logit_bias' is not supported: leave it empty or absent.", "logit_bias");
        }
        if (root.TryGetProperty("modalities", out var modalities) && modalities.ValueKind != JsonValueKind.Null
            && (modalities.ValueKind != JsonValueKind.Array || modalities.EnumerateArray().Any(m => m.ValueKind != JsonValueKind.String || m.GetString() != "text")))
        {
            throw Invalid("Only text answers are supported: 'modalities' may ask for text only.", "modalities");
        }
        if (root.TryGetProperty("audio", out var audio) && audio.ValueKind != JsonValueKind.Null)
        {
            throw Invalid("Audio answers are not supported: leave 'audio' absent.", "audio");
        }
    }
}
