using ChatPlatform.Chat.Model;
using Microsoft.Extensions.Caching.Memory;

namespace ChatPlatform.Chat.Services;

/// <summary>
/// What this instance last saw of each recent conversation, so that a new question's quota check can start before its
/// read (<see cref="TurnQuotas.Ahead"/>): the model, the conversation's max output tokens, and the prompt a question at
/// its current leaf is sent besides the question itself, as <see cref="ContextBuilder"/> counts it (the system prompt
/// and the history). Only a guess: the check it starts is kept only when the read gives the same worst case, so a
/// conversation changed elsewhere (another instance, an edit, an import) costs a second check, never a wrong one.
/// </summary>
public sealed class NextPrompts : IDisposable
{
    // An entry is a few dozen bytes; the bound keeps a busy instance's memory flat.
    private const int MaxEntries = 100_000;
    private static readonly TimeSpan Idle = TimeSpan.FromMinutes(30);

    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = MaxEntries });

    /// <summary>A new conversation: its next prompt is its system prompt.</summary>
    public void Created(Guid userId, Conversation conversation) =>
        Remember(userId, conversation, string.IsNullOrWhiteSpace(conversation.SystemPrompt) ? 0 : ContextBuilder.EstimateTokens(conversation.SystemPrompt));

    /// <summary>
    /// A turn ended with <paramref name="answer"/> under a prompt of <paramref name="promptTokens"/>: the next question's
    /// prompt is that one and the answer (an answer without text is not sent again).
    /// </summary>
    public void Answered(Guid userId, Conversation conversation, long promptTokens, string answer) =>
        Remember(userId, conversation, promptTokens + (answer.Length > 0 ? ContextBuilder.EstimateTokens(answer) : 0));

    /// <summary>Nothing is guessed for this conversation (its turns carry files, whose passages depend on the question).</summary>
    public void Forget(Guid userId, Guid conversationId) => _cache.Remove((userId, conversationId));

    public NextPrompt? Find(Guid userId, Guid conversationId) => _cache.TryGetValue((userId, conversationId), out NextPrompt? next) ? next : null;

    public void Dispose() => _cache.Dispose();

    private void Remember(Guid userId, Conversation conversation, long priorTokens) =>
        _cache.Set((userId, conversation.Id), new NextPrompt(conversation.Model, conversation.MaxOutputTokens, priorTokens),
            new MemoryCacheEntryOptions { Size = 1, SlidingExpiration = Idle });
}

/// <param name="PriorTokens">The prompt a question at the current leaf is sent besides the question, untrimmed.</param>
public sealed record NextPrompt(string Model, int? MaxOutputTokens, long PriorTokens);
