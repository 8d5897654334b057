using ChatPlatform.Chat.Infrastructure;
using ChatPlatform.Quotas;

namespace ChatPlatform.Chat.Services;

/// <summary>
/// A turn's quota check (docs/usage.md "Quotas"): its worst case is the prompt the router will be sent, as
/// <see cref="ContextBuilder"/> builds it from the turn as written (the system prompt, the files' passages and images, the
/// history that fits the model's window, the question), counted as the builder counts it (four characters a token, no
/// tokenizer), plus the model's whole output, at the model's listed prices. It runs between the turn's write and its commit
/// (<see cref="TurnAdmission"/>): a refusal rolls the write back.
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
            PromptTokens(started, model, files), ContextBuilder.MaxOutputTokens(model), model.InputPerMillion, model.OutputPerMillion);
        return await gate.ReserveAsync(userId, tier, model.Id, tokens, cost, reservationId) is ReserveResult.Refused refused
            ? refused.Quota
            : null;
    }
}
