using System.Runtime.CompilerServices;
using System.Text.Json;
using ChatPlatform.ModelRouter.Model;
using Microsoft.Extensions.AI;

namespace ChatPlatform.ModelRouter.Providers.Simulator;

/// <summary>
/// An offline provider for demos, tests and load benchmarks. It is deterministic: the same last user message gives
/// the same answer, which starts with <c>[simulated]</c> so it is never mistaken for a model's. It keeps the
/// deployment's pace (<see cref="SimulatorSettings"/>: time to first token, tokens per second, answer length) and
/// injects its failure. Its answer is Markdown shaped by the question (<see cref="ShowcaseAnswer"/>: code, a table, math,
/// a diagram or prose). Shown images or numbered sources, it answers about them (<see cref="SimulatedGrounding"/>). A
/// request can override the settings with a <see cref="SimulatorSettings"/> in
/// <c>ChatOptions.AdditionalProperties["simulator"]</c>.
/// </summary>
/// <remarks>
/// The last update carries <see cref="UsageContent"/>: output tokens counted, input tokens estimated from the
/// prompt (about four characters a token); because they are estimates, that update's AdditionalProperties hold
/// <c>"usage_estimated": true</c> (<see cref="UsageEstimatedProperty"/>).
/// </remarks>
public sealed class SimulatorChatClient(string modelId, SimulatorSettings settings, TimeProvider timeProvider) : IChatClient
{
    /// <summary>The <see cref="ChatOptions.AdditionalProperties"/> key of a per-request <see cref="SimulatorSettings"/>.</summary>
    public const string SettingsProperty = "simulator";

    /// <summary>Set to <c>true</c> in the final update's AdditionalProperties: the usage is estimated, not measured.</summary>
    public const string UsageEstimatedProperty = "usage_estimated";

    public const string AnswerPrefix = "[simulated]";

    private readonly ChatClientMetadata _metadata = new("simulator", providerUri: null, defaultModelId: modelId);

    public SimulatorSettings Settings { get; } = settings;

    public async Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        await GetStreamingResponseAsync(messages, options, cancellationToken).ToChatResponseAsync(cancellationToken);

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var settings = options?.AdditionalProperties?.TryGetValue(SettingsProperty, out var value) == true && value is SimulatorSettings overridden
            ? overridden
            : Settings;
        cancellationToken.ThrowIfCancellationRequested();

        // Failures that a real provider reports in its response headers come at once.
        switch (settings.Failure)
        {
            case SimulatedFailure.ErrorBeforeFirstToken:
                throw new ProviderException("Simulated provider error before the first token.", statusCode: 500, isTransient: true);
            case SimulatedFailure.RateLimited:
                var retryAfter = TimeSpan.FromSeconds(settings.RetryAfterSeconds);
                throw new ProviderException("Simulated rate limit.", statusCode: 429, isTransient: true, retryAfter: retryAfter);
            case SimulatedFailure.Hang:
                await Task.Delay(Timeout.InfiniteTimeSpan, timeProvider, cancellationToken);
                break;
        }

        var messageList = messages as IReadOnlyList<ChatMessage> ?? [.. messages];
        var answer = new SimulatedAnswer(LastUserText(messageList), settings.AnswerTokens);
        var responseId = "sim-" + Guid.NewGuid().ToString("N");
        var model = options?.ModelId ?? _metadata.DefaultModelId;
        var interval = settings.TokensPerSecond > 0 ? TimeSpan.FromSeconds(1 / settings.TokensPerSecond) : TimeSpan.Zero;

        // What the answer says of images and sources is worked out from the whole prompt (tens of KB with files): within
        // the time to the first token, as a model reads its prompt then, not after it, where it would add its own CPU
        // time to what a turn with files measures.
        var groundedText = SimulatedGrounding.Answer(messageList);
        if (settings.TimeToFirstTokenMs > 0)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(settings.TimeToFirstTokenMs), timeProvider, cancellationToken);
        }

        if (SimulatedToolCall.For(messageList, options) is { } call)
        {
            yield return new ChatResponseUpdate(ChatRole.Assistant, [call]) { ResponseId = responseId, MessageId = responseId, ModelId = model };
            yield return Finish(messageList, outputTokens: 1, ChatFinishReason.ToolCalls, responseId, model);
            yield break;
        }

        if (options?.ResponseFormat is ChatResponseFormatJson json)
        {
            var text = JsonAnswer(json, answer);
            yield return new ChatResponseUpdate(ChatRole.Assistant, text) { ResponseId = responseId, MessageId = responseId, ModelId = model };
            yield return Finish(messageList, outputTokens: Math.Max(1, text.Length / 4), ChatFinishReason.Stop, responseId, model);
            yield break;
        }

        // Images and numbered sources are answered about, word by word at the same pace.
        // Anything else gets Markdown shaped by the question (ShowcaseAnswer), in the deployment's answer length.
        var tokens = groundedText is not null
            ? SimulatedGrounding.Tokens(groundedText)
            : ShowcaseAnswer.Tokens(LastUserText(messageList), settings.AnswerTokens);
        // Cut at the request's max_tokens as a provider does, so an offline answer shows the limit (and "continue").
        var length = Math.Min(tokens.Length, options?.MaxOutputTokens ?? int.MaxValue);
        var sent = 0;
        for (var i = 0; i < length; i++)
        {
            if (settings.Failure == SimulatedFailure.ErrorMidStream && sent >= settings.FailAfterTokens)
            {
                throw new ProviderException($"Simulated provider error after {sent} tokens.", statusCode: 500, isTransient: true);
            }

            if (i > 0 && interval > TimeSpan.Zero)
            {
                await Task.Delay(interval, timeProvider, cancellationToken);
            }

            yield return new ChatResponseUpdate(ChatRole.Assistant, tokens[i])
            {
                ResponseId = responseId,
                MessageId = responseId,
                ModelId = model,
            };
            sent++;
        }

        if (settings.Failure == SimulatedFailure.ErrorMidStream)
        {
            throw new ProviderException($"Simulated provider error after {sent} tokens.", statusCode: 500, isTransient: true);
        }

        yield return Finish(messageList, sent, length < tokens.Length ? ChatFinishReason.Length : ChatFinishReason.Stop, responseId, model);
    }

    // JSON mode: the simulated answer under "answer"; a schema: an object that fits it (SchemaPlaceholders).
    private static string JsonAnswer(ChatResponseFormatJson format, SimulatedAnswer answer)
    {
        object value = format.Schema is { } schema
            ? SchemaPlaceholders.Object(schema, requiredOnly: false)
            : new Dictionary<string, object?> { ["answer"] = string.Concat(Enumerable.Range(0, answer.Length).Select(answer.Token)) };
        return JsonSerializer.Serialize(value, AIJsonUtilities.DefaultOptions);
    }

    private static ChatResponseUpdate Finish(IReadOnlyList<ChatMessage> messages, int outputTokens, ChatFinishReason reason, string responseId, string? model)
    {
        var inputTokens = EstimateTokens(messages);
        return new ChatResponseUpdate(ChatRole.Assistant, [new UsageContent(new UsageDetails
        {
            InputTokenCount = inputTokens,
            OutputTokenCount = outputTokens,
            TotalTokenCount = inputTokens + outputTokens,
        })])
        {
            ResponseId = responseId,
            MessageId = responseId,
            ModelId = model,
            FinishReason = reason,
            AdditionalProperties = new() { [UsageEstimatedProperty] = true },
        };
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(ChatClientMetadata) ? _metadata
        : serviceType.IsInstanceOfType(this) ? this
        : null;

    public void Dispose()
    {
    }

    private static string LastUserText(IReadOnlyList<ChatMessage> messages)
    {
        for (var i = messages.Count - 1; i >= 0; i--)
        {
            if (messages[i].Role == ChatRole.User)
            {
                return messages[i].Text;
            }
        }

        return "";
    }

    private static long EstimateTokens(IReadOnlyList<ChatMessage> messages)
    {
        long characters = 0;
        foreach (var message in messages)
        {
            characters += message.Text.Length;
        }

        // About four characters a token, plus a few per message for the role and separators.
        return Math.Max(1, (characters / 4) + (messages.Count * 4));
    }
}
