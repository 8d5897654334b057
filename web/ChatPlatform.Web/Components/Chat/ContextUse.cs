using ChatPlatform.Web.Model;

namespace ChatPlatform.Web.Components.Chat;

/// <summary>
/// How much of its model's window a conversation fills, estimated as chat's ContextBuilder counts (about four characters
/// a token, four more a message) against what it gives the history: the window less the room kept for the answer.
/// Files and images are not counted here. When full, chat drops the oldest messages first and keeps the system prompt.
/// </summary>
public sealed record ContextUse(int Tokens, int Budget)
{
    private const int TokensPerMessage = 4;

    public double Share => Budget <= 0 ? 1 : Math.Min(1, (double)Tokens / Budget);

    public bool Full => Tokens > Budget;

    public int Percent => (int)Math.Round(Share * 100);

    /// <summary>Null without a model (none picked, or not offered) or before the first message.</summary>
    public static ContextUse? Of(IReadOnlyList<MessageState> thread, string? systemPrompt, ModelInfo? model)
    {
        if (model is not { ContextWindow: > 0 } || thread.Count == 0)
        {
            return null;
        }
        // As chat's ContextBuilder.MaxOutputTokens: the model's output limit, at most half its window.
        var reserved = Math.Max(1, Math.Min(model.MaxOutputTokens ?? model.ContextWindow / 2, model.ContextWindow / 2));
        var tokens = Estimate(systemPrompt) + thread.Sum(m => Estimate(m.Content));
        return new ContextUse(tokens, model.ContextWindow - reserved);
    }

    private static int Estimate(string? text) => string.IsNullOrEmpty(text) ? 0 : (text.Length + 3) / 4 + TokensPerMessage;
}
