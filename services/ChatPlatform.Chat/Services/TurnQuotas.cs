using ChatPlatform.Chat.Infrastructure;
using ChatPlatform.Chat.Model;
using ChatPlatform.Quotas;

namespace ChatPlatform.Chat.Services;

/// <summary>
/// A turn's quota check (docs/usage.md "Quotas"): its worst case is the prompt the router will be sent, as
/// <see cref="ContextBuilder"/> builds it from the turn as written (the system prompt, the files' passages and images, the
/// history that fits the model's window, the question), counted as the builder counts it (four characters a token, no
/// tokenizer), plus the longest answer the turn asks for (the conversation's max output tokens when set, since the turn
/// sends it as max_tokens; the model's whole output otherwise), at the model's listed prices. A new question is checked before its write, on
/// what was read before it (<see cref="HoldAheadAsync"/>), so that the write keeps its one round trip; a regenerate or a
/// continue between its write and its commit (<see cref="TurnAdmission"/>): a refusal rolls the write back.
/// </summary>
public sealed class TurnQuotas(QuotaGate gate)
{
    /// <summary>
    /// The check of one turn, under a hold id made now and stored with the answer. A model the tier cannot use, or that is
    /// not offered, holds nothing: the write refuses it with its own answer before the check runs. None while quotas are
    /// off (<c>Quotas:Enabled</c>): the turn's write commits in its own round trip.
    /// </summary>
    public TurnAdmission? Admission(Guid userId, string? tier, RouterModels models, TurnFiles files)
    {
        if (!gate.Options.Enabled)
        {
            return null;
        }
        var reservationId = QuotaGate.NewReservationId();
        return new TurnAdmission(reservationId, started => AdmitAsync(userId, tier, models, files, started, reservationId));
    }

    /// <summary>The prompt's estimate in tokens: what <see cref="ContextBuilder"/> will send for <paramref name="started"/>.</summary>
    public static long PromptTokens(TurnStart.Started started, RouterModel model, TurnFiles files) =>
        ContextBuilder.Build(started.Conversation.SystemPrompt, started.ContextPath, model, FilesOf(started, files))
            .Sum(m => (long)ContextBuilder.EstimateTokens(m));

    public Task ReleaseAsync(Guid userId, string? reservationId) => gate.ReleaseAsync(userId, reservationId);

    /// <summary>Whether a new question's check runs before its write (<see cref="HoldAheadAsync"/>): only while quotas are on.</summary>
    public bool Enabled => gate.Options.Enabled;

    /// <summary>
    /// A new question's check before anything is written, so that the write commits in its own round trip: its worst case
    /// is built from what was read before the write (<paramref name="read"/>: the conversation's model, system prompt and
    /// history up to the question's parent) as <see cref="PromptTokens"/> builds it from the write. A refusal writes
    /// nothing and holds nothing; otherwise the caller writes, frees the hold when the write does not start the turn, and
    /// then calls <see cref="CoverAsync"/>. A crash between the two leaves a hold that lapses after <c>Quotas:HoldDuration</c>.
    /// </summary>
    public async Task<TurnHold> HoldAheadAsync(Guid userId, string? tier, RouterModels models, TurnFiles files, PathFiles? read, string question)
    {
        // A model the tier cannot use, or that is not offered: the write refuses it with its own answer, nothing to hold.
        if (!gate.Options.Enabled || read is null || !models.Models.TryGetValue(read.Model, out var model))
        {
            return TurnHold.None;
        }
        // The question as the write will add it; its id only places the files it attaches.
        var questionId = Guid.NewGuid();
        var path = new List<ContextMessage>(read.Context ?? []) { new(MessageRole.User, question, questionId) };
        var prompt = ContextBuilder.Build(read.SystemPrompt, path, model, files.WithQuestion(questionId)).Sum(m => (long)ContextBuilder.EstimateTokens(m));
        var (tokens, cost) = WorstCase.Of(prompt, ConversationParameters.MaxOutputTokens(read.MaxOutputTokens, model), model.InputPerMillion, model.OutputPerMillion);
        var reservationId = QuotaGate.NewReservationId();
        return await gate.ReserveAsync(userId, tier, model.Id, tokens, cost, reservationId) switch
        {
            ReserveResult.Refused refused => new TurnHold(null, tokens, cost, refused.Quota),
            ReserveResult.Reserved { ReservationId: { } id } => new TurnHold(id, tokens, cost, null),
            // Redis unreachable: the turn goes ahead unchecked (the gate logged and counted it).
            _ => TurnHold.None,
        };
    }

    /// <summary>
    /// After the write: when the history the turn was written with is longer than the one it was checked on (another turn
    /// or an edit came between the read and the write), the hold is raised to the turn's real worst case, unchecked, so that
    /// the requests checked after it see all of it. Otherwise (nearly always) nothing is sent.
    /// </summary>
    public Task CoverAsync(Guid userId, TurnHold hold, TurnStart.Started started, RouterModel model, TurnFiles files)
    {
        if (hold.ReservationId is null)
        {
            return Task.CompletedTask;
        }
        var (tokens, cost) = WorstCase.Of(
            PromptTokens(started, model, files), ConversationParameters.MaxOutputTokens(started.Conversation, model), model.InputPerMillion, model.OutputPerMillion);
        return tokens > hold.Tokens || cost > hold.CostUsd ? gate.RaiseAsync(userId, hold.ReservationId, tokens, cost) : Task.CompletedTask;
    }

    /// <summary>A new question's images ride on it: the files are placed on the message just written.</summary>
    public static TurnFiles FilesOf(TurnStart.Started started, TurnFiles files) =>
        started.UserMessage is { } question ? files.WithQuestion(question.Id) : files;

    private async Task<QuotaRefusal?> AdmitAsync(
        Guid userId, string? tier, RouterModels models, TurnFiles files, TurnStart.Started started, string reservationId)
    {
        if (!models.Models.TryGetValue(started.Conversation.Model, out var model))
        {
            return null;
        }
        var (tokens, cost) = WorstCase.Of(
            PromptTokens(started, model, files), ConversationParameters.MaxOutputTokens(started.Conversation, model), model.InputPerMillion, model.OutputPerMillion);
        return await gate.ReserveAsync(userId, tier, model.Id, tokens, cost, reservationId) is ReserveResult.Refused refused
            ? refused.Quota
            : null;
    }
}

/// <summary>
/// A new question's hold taken before its write: <see cref="ReservationId"/> (null when nothing is held: quotas off, Redis
/// unreachable, a model the write will refuse) for the worst case counted then, or the quota that refused it.
/// </summary>
public sealed record TurnHold(string? ReservationId, long Tokens, decimal CostUsd, QuotaRefusal? Refusal)
{
    public static TurnHold None { get; } = new(null, 0, 0, null);
}
