using ChatPlatform.Chat.Infrastructure;
using ChatPlatform.Chat.Model;
using System.Diagnostics.Metrics;
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
public sealed class TurnQuotas(QuotaGate gate, NextPrompts nextPrompts, IMeterFactory meters)
{
    private readonly Counter<long> _ahead = meters.Create(QuotaGate.MeterName).CreateCounter<long>(
        "chatplatform.quota.ahead", description: "New questions whose quota check started before their read, by whether the read confirmed it (kept) or not (redone)");

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
    public async Task<TurnHold> HoldAheadAsync(
        Guid userId, string? tier, RouterModels models, TurnFiles files, PathFiles? read, string question, QuotaAhead? ahead = null)
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
        var (tokens, cost) = WorstCaseOf(prompt, read.MaxOutputTokens, model);
        // The check started before the read stands when it held exactly this; otherwise it is undone and made again.
        var result = ahead is not null && await ahead.TakeIfAsync(model.Id, tokens, cost) is { } taken ? taken : null;
        if (ahead is { Started: true })
        {
            _ahead.Add(1, new KeyValuePair<string, object?>("outcome", result is null ? "redone" : "kept"));
        }
        result ??= await gate.ReserveAsync(userId, tier, model.Id, tokens, cost, QuotaGate.NewReservationId());
        return result switch
        {
            ReserveResult.Refused refused => new TurnHold(null, tokens, cost, refused.Quota),
            ReserveResult.Reserved { ReservationId: { } id } => new TurnHold(id, tokens, cost, null),
            // Redis unreachable: the turn goes ahead unchecked (the gate logged and counted it).
            _ => TurnHold.None,
        };
    }

    /// <summary>
    /// Starts a new question's check before its read, when this instance knows what the conversation's next prompt holds
    /// besides the question (<see cref="NextPrompts"/>), so that the check's round trip to Redis runs beside the read's
    /// to PostgreSQL. <see cref="HoldAheadAsync"/> keeps it only when the read gives the same worst case. Not for an edit
    /// (another parent than the current leaf) or new files, whose prompts the read alone can tell; nor for a history the
    /// model's window would cut.
    /// </summary>
    public QuotaAhead Ahead(Guid userId, string? tier, Guid conversationId, RouterModels models, AppendMessageRequest request)
    {
        if (!gate.Options.Enabled || request.ParentIdGiven || request.FileIds is { Count: > 0 }
            || nextPrompts.Find(userId, conversationId) is not { } next || !models.Models.TryGetValue(next.Model, out var model))
        {
            return new QuotaAhead(gate, userId, null);
        }
        var prompt = next.PriorTokens + ContextBuilder.EstimateTokens(request.Content!);
        if (prompt > ContextBuilder.Budget(model))
        {
            return new QuotaAhead(gate, userId, null);
        }
        var (tokens, cost) = WorstCaseOf(prompt, next.MaxOutputTokens, model);
        return new QuotaAhead(gate, userId, new QuotaAhead.Guess(model.Id, tokens, cost,
            gate.ReserveAsync(userId, tier, model.Id, tokens, cost, QuotaGate.NewReservationId())));
    }

    /// <summary>A conversation was created: its first question can be checked before its read.</summary>
    public void Created(Guid userId, Conversation conversation)
    {
        if (gate.Options.Enabled)
        {
            nextPrompts.Created(userId, conversation);
        }
    }

    /// <summary>
    /// A turn's answer was saved: the next question can be checked before its read when its prompt is
    /// <paramref name="nextPromptKnown"/> (not after files, whose passages ingestion picks for each question, nor after a
    /// continue, whose instruction is sent once).
    /// </summary>
    public void Answered(Guid userId, Conversation conversation, long promptTokens, string answer, bool nextPromptKnown)
    {
        if (!gate.Options.Enabled)
        {
            return;
        }
        if (nextPromptKnown)
        {
            nextPrompts.Answered(userId, conversation, promptTokens, answer);
        }
        else
        {
            nextPrompts.Forget(userId, conversation.Id);
        }
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
        var (tokens, cost) = WorstCaseOf(PromptTokens(started, model, files), started.Conversation.MaxOutputTokens, model);
        return tokens > hold.Tokens || cost > hold.CostUsd ? gate.RaiseAsync(userId, hold.ReservationId, tokens, cost) : Task.CompletedTask;
    }

    /// <summary>
    /// A turn's worst case: its prompt plus the longest answer it asks for (the conversation's limit within the model's),
    /// at the model's listed prices.
    /// </summary>
    private static (long Tokens, decimal CostUsd) WorstCaseOf(long promptTokens, int? maxOutputTokens, RouterModel model) =>
        WorstCase.Of(promptTokens, ConversationParameters.MaxOutputTokens(maxOutputTokens, model), model.InputPerMillion, model.OutputPerMillion);

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
        var (tokens, cost) = WorstCaseOf(PromptTokens(started, model, files), started.Conversation.MaxOutputTokens, model);
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

/// <summary>
/// A new question's check started before its read (<see cref="TurnQuotas.Ahead"/>), for what this instance guessed its
/// worst case to be. Taken by <see cref="TurnQuotas.HoldAheadAsync"/> when the read confirms the guess; otherwise, and on
/// every way out of the request before that, its hold is freed when it is disposed.
/// </summary>
public sealed class QuotaAhead(QuotaGate gate, Guid userId, QuotaAhead.Guess? guess) : IAsyncDisposable
{
    public sealed record Guess(string Model, long Tokens, decimal CostUsd, Task<ReserveResult> Reservation);

    private Guess? _open = guess;

    /// <summary>Whether a check was started before the read.</summary>
    public bool Started { get; } = guess is not null;

    /// <summary>The check's result when it was made for exactly this worst case (it is then the caller's); else null.</summary>
    public async Task<ReserveResult?> TakeIfAsync(string model, long tokens, decimal costUsd)
    {
        if (_open is not { } open || open.Model != model || open.Tokens != tokens || open.CostUsd != costUsd)
        {
            await DisposeAsync();
            return null;
        }
        _open = null;
        return await open.Reservation;
    }

    public async ValueTask DisposeAsync()
    {
        if (_open is not { } open)
        {
            return;
        }
        _open = null;
        if (await open.Reservation is ReserveResult.Reserved { ReservationId: { } id })
        {
            await gate.ReleaseAsync(userId, id);
        }
    }
}
