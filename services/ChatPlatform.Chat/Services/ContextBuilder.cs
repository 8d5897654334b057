using ChatPlatform.Chat.Infrastructure;
using ChatPlatform.Chat.Model;

namespace ChatPlatform.Chat.Services;

/// <summary>
/// What the model is sent: the system prompt, then the most recent messages of the path that fit the model's window
/// after room is kept for its answer. The oldest go first; the system prompt and the newest message always stay.
/// </summary>
public static class ContextBuilder
{
    // Each message costs a few tokens of framing (role, separators) beyond its text.
    private const int TokensPerMessage = 4;

    /// <summary>A rough count that needs no tokenizer: about four characters a token, rounded up.</summary>
    public static int EstimateTokens(string text) => (text.Length + 3) / 4 + TokensPerMessage;

    /// <summary>The answer's room: the model's maximum output, but never more than half the window.</summary>
    public static int MaxOutputTokens(RouterModel model) => Math.Max(1, Math.Min(model.MaxOutputTokens, model.ContextWindow / 2));

    /// <summary>The most tokens of history any of <paramref name="models"/> is sent: what a context read needs to reach.</summary>
    public static int LargestBudget(IEnumerable<RouterModel> models) => models.Select(Budget).DefaultIfEmpty(0).Max();

    private static int Budget(RouterModel model) => model.ContextWindow - MaxOutputTokens(model);

    public static IReadOnlyList<RouterMessage> Build(string? systemPrompt, IReadOnlyList<ContextMessage> path, RouterModel model)
    {
        var budget = Budget(model);
        var system = string.IsNullOrWhiteSpace(systemPrompt) ? null : new RouterMessage("system", systemPrompt);
        if (system is not null)
        {
            budget -= EstimateTokens(system.Content);
        }

        // Newest first until the budget is spent; answers that failed with nothing are not part of the conversation.
        var kept = new List<RouterMessage>();
        for (var i = path.Count - 1; i >= 0; i--)
        {
            var message = path[i];
            if (message.Role == MessageRole.System || message.Content.Length == 0)
            {
                continue;
            }
            var cost = EstimateTokens(message.Content);
            if (kept.Count > 0 && cost > budget)
            {
                break;
            }
            budget -= cost;
            kept.Add(new RouterMessage(message.Role == MessageRole.User ? "user" : "assistant", message.Content));
        }
        kept.Reverse();
        return system is null ? kept : [system, .. kept];
    }
}
