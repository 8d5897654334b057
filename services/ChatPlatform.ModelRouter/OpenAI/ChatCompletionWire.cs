using System.Text.Json.Serialization;

namespace ChatPlatform.ModelRouter.OpenAI;

// The response side of POST /v1/chat/completions, as OpenAI's API writes it.

public sealed record ChatCompletion(
    string Id,
    long Created,
    string Model,
    IReadOnlyList<ChatCompletionChoice> Choices,
    CompletionUsage? Usage)
{
    public string Object => "chat.completion";
}

public sealed record ChatCompletionChoice(
    int Index,
    ChatCompletionMessage Message,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? FinishReason)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public object? Logprobs => null;
}

public sealed record ChatCompletionMessage(
    string Role,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Content,
    IReadOnlyList<ToolCallWire>? ToolCalls = null)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? Refusal => null;
}

public sealed record ToolCallWire(string Id, FunctionCallWire Function)
{
    public string Type => "function";
}

/// <summary>The arguments are a string of JSON, as OpenAI sends them.</summary>
public sealed record FunctionCallWire(string Name, string Arguments);

public sealed record CompletionUsage(
    long PromptTokens,
    long CompletionTokens,
    long TotalTokens,
    PromptTokensDetails PromptTokensDetails,
    [property: JsonPropertyName("chatplatform")] RouterUsageDetails Chatplatform);

public sealed record PromptTokensDetails(long CachedTokens);

/// <summary>Ours, beside OpenAI's fields; OpenAI clients ignore it.</summary>
public sealed record RouterUsageDetails(
    string Deployment,
    string Provider,
    bool Estimated,
    decimal CostUsd,
    long TimeToFirstTokenMs,
    string? FinishReason);

public sealed record OpenAIErrorResponse(OpenAIError Error);

public sealed record OpenAIError(
    string Message,
    string Type,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Param,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Code,
    [property: JsonPropertyName("chatplatform_failures")] IReadOnlyList<DeploymentFailureWire>? Failures = null);

public sealed record DeploymentFailureWire(string Deployment, string Reason);
