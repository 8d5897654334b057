using ChatPlatform.Chat.Infrastructure;
using ChatPlatform.Quotas;

namespace ChatPlatform.Chat.Services;

/// <summary>
/// A turn's quota check (docs/usage.md "Quotas"): its worst case is the question and the file context it is sent
/// (four characters a token: the history is read by the write that follows, and is settled at its real count), plus
/// the model's whole output, at the model's listed prices.
/// </summary>
public sealed class TurnQuotas(QuotaGate gate)
{
    /// <summary>A model the tier cannot use, or that is not offered, is let through: the write refuses it with its own answer.</summary>
    public Task<ReserveResult> ReserveAsync(Guid userId, string? tier, RouterModels models, string? modelId, string question, TurnFiles files)
    {
        if (modelId is null || !models.Models.TryGetValue(modelId, out var model))
        {
            return Task.FromResult<ReserveResult>(new ReserveResult.Reserved(null));
        }
        var characters = (long)question.Length
            + files.Context.Passages.Sum(p => (long)p.Text.Length)
            + files.Context.Images.Sum(i => (long)(i.OcrText?.Length ?? 0));
        var (tokens, cost) = WorstCase.Of(
            WorstCase.EstimateTokens(characters), ContextBuilder.MaxOutputTokens(model), model.InputPerMillion, model.OutputPerMillion);
        return gate.ReserveAsync(userId, tier, model.Id, tokens, cost);
    }

    public Task ReleaseAsync(Guid userId, string? reservationId) => gate.ReleaseAsync(userId, reservationId);
}
