using System.Globalization;
using ChatPlatform.Chat.Infrastructure;
using ChatPlatform.Chat.Model;
using ChatPlatform.Chat.Services;
using ChatPlatform.Identity;
using ChatPlatform.Quotas;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace ChatPlatform.Chat.Apis;

/// <summary>
/// Streaming turns (docs/turns.md): ask, regenerate, resume and stop. Everything is checked, and answers 4xx problem
/// details, before anything is written; once the stream begins, failures arrive as its <c>error</c> event.
/// </summary>
public static class TurnsApi
{
    /// <summary>A turn's body is one message: the content limit plus room for JSON.</summary>
    public const long MaxRequestBodyBytes = 1024 * 1024;

    public static IEndpointRouteBuilder MapTurnsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1/conversations/{id:guid}").RequireCurrentUser();
        api.MapPost("/turns", StartTurnAsync).WithMetadata(new RequestSizeLimitAttribute(MaxRequestBodyBytes));
        api.MapPost("/messages/{messageId:guid}/regenerate", RegenerateAsync);
        api.MapPost("/messages/{messageId:guid}/continue", ContinueAsync);
        api.MapGet("/messages/{messageId:guid}/events", GetEventsAsync);
        api.MapPost("/messages/{messageId:guid}/stop", StopAsync);
        return app;
    }

    public static async Task<Results<TurnEventStreamResult, NotFound, ValidationProblem, ProblemHttpResult>> StartTurnAsync(
        Guid id, AppendMessageRequest request, CurrentUser user, ConversationStore conversations, TurnStore turns, ModelRouterClient router,
        TurnAttachments attachments, TurnRunner runner, TurnQuotas quotas, TimeProvider time, HttpResponse response,
        CancellationToken cancellationToken)
    {
        if (ConversationRules.Validate(request) is { Count: > 0 } errors)
        {
            return TypedResults.ValidationProblem(errors);
        }
        // The model list is cached: the database checks the conversation, its model and the parent in the batch that writes.
        if (await ListModelsAsync(router, cancellationToken) is not { } listed)
        {
            if (await conversations.FindAsync(user.Id, id, cancellationToken) is null)
            {
                return TypedResults.NotFound();
            }
            return RouterUnavailable();
        }
        var models = listed.For(user.Tier);
        var contextBudget = ContextBuilder.LargestBudget(models.Models.Values);
        // When this instance knows the conversation, the quota check starts now, beside the read; freed on every way out.
        await using var ahead = quotas.Ahead(user.Id, user.Tier, id, models, request);
        // Ingestion is asked first: a file it cannot give stops the turn before anything is written. With quotas on, the
        // same read brings the history the quota check counts.
        var files = await attachments.ForTurnAsync(user.Id, id, request, models, cancellationToken, quotas.Enabled ? contextBudget : null);
        switch (files)
        {
            case TurnFilesResult.ConversationNotFound:
                return TypedResults.NotFound();
            case TurnFilesResult.Refused refused:
                return FilesRefused(refused.Reason);
        }
        var ready = (TurnFilesResult.Ready)files;
        var turnFiles = ready.Files;
        // The quota check is the last before the write, on what the read before it found: a refusal writes nothing and
        // holds nothing, and the write commits in its own round trip.
        var hold = await quotas.HoldAheadAsync(user.Id, user.Tier, models, turnFiles, ready.Read, request.Content!, ahead);
        if (hold.Refusal is { } refusal)
        {
            return QuotaProblems.Exceeded(response, refusal, time.GetUtcNow());
        }
        var start = await StartHeldAsync(quotas, user.Id, hold.ReservationId, () => turns.StartTurnAsync(user.Id, id, request.Content!, request.ParentId,
            request.ParentIdGiven, turnFiles.NewAttachments, models.Ids, contextBudget, null, cancellationToken, ready.Read?.Context));
        if (start is TurnStart.Started written)
        {
            await quotas.CoverAsync(user.Id, hold, written, models.Models[written.Conversation.Model], turnFiles);
        }
        return start switch
        {
            TurnStart.Started started => new TurnEventStreamResult(runner.Start(
                user.Id, started, models.Models[started.Conversation.Model], TurnQuotas.FilesOf(started, turnFiles), hold.ReservationId).ReadAllAsync()),
            TurnStart.UnknownModel unknown => UnknownModel(unknown.Model, listed, user.Tier),
            TurnStart.ParentNotFound => TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["parentId"] = ["The parent is not a message of this conversation."],
            }),
            _ => TypedResults.NotFound(),
        };
    }

    public static Task<Results<TurnEventStreamResult, NotFound, ProblemHttpResult>> RegenerateAsync(
        Guid id, Guid messageId, CurrentUser user, ConversationStore conversations, TurnStore turns, ModelRouterClient router,
        TurnAttachments attachments, TurnRunner runner, TurnQuotas quotas, TimeProvider time, HttpResponse response,
        CancellationToken cancellationToken) =>
        StartAtAnswerAsync(id, messageId, user, conversations, router, attachments, runner, quotas, time, response,
            (models, admission) => turns.StartRegenerateAsync(
                user.Id, id, messageId, models.Ids, ContextBuilder.LargestBudget(models.Models.Values), admission, cancellationToken),
            cancellationToken);

    /// <summary>
    /// Goes on with an answer that stopped at its length limit (finish reason <c>length</c>): a new answer under it, which
    /// follows it on the path. Any other answer is a 409; a message not there, or another user's, a 404.
    /// </summary>
    public static Task<Results<TurnEventStreamResult, NotFound, ProblemHttpResult>> ContinueAsync(
        Guid id, Guid messageId, CurrentUser user, ConversationStore conversations, TurnStore turns, ModelRouterClient router,
        TurnAttachments attachments, TurnRunner runner, TurnQuotas quotas, TimeProvider time, HttpResponse response,
        CancellationToken cancellationToken) =>
        StartAtAnswerAsync(id, messageId, user, conversations, router, attachments, runner, quotas, time, response,
            (models, admission) => turns.StartContinueAsync(
                user.Id, id, messageId, models.Ids, ContextBuilder.LargestBudget(models.Models.Values), admission, cancellationToken),
            cancellationToken);

    /// <summary>
    /// A turn that starts from an existing answer (regenerate, continue): the files of the messages before it, the quota
    /// hold, then <paramref name="start"/>, answered as a stream or the problem that refused it.
    /// </summary>
    private static async Task<Results<TurnEventStreamResult, NotFound, ProblemHttpResult>> StartAtAnswerAsync(
        Guid id, Guid messageId, CurrentUser user, ConversationStore conversations, ModelRouterClient router,
        TurnAttachments attachments, TurnRunner runner, TurnQuotas quotas, TimeProvider time, HttpResponse response,
        Func<RouterModels, TurnAdmission?, Task<TurnStart>> start, CancellationToken cancellationToken)
    {
        if (await ListModelsAsync(router, cancellationToken) is not { } listed)
        {
            if (await conversations.FindAsync(user.Id, id, cancellationToken) is null)
            {
                return TypedResults.NotFound();
            }
            return RouterUnavailable();
        }
        var models = listed.For(user.Tier);
        // The question keeps its files: they are on it and on the messages before it.
        var files = await attachments.ForRegenerateAsync(user.Id, id, messageId, models, cancellationToken);
        switch (files)
        {
            case TurnFilesResult.ConversationNotFound:
                return TypedResults.NotFound();
            case TurnFilesResult.Refused refused:
                return FilesRefused(refused.Reason);
        }
        var turnFiles = ((TurnFilesResult.Ready)files).Files;
        var admission = quotas.Admission(user.Id, user.Tier, models, turnFiles);
        var started = await StartHeldAsync(quotas, user.Id, admission?.ReservationId, () => start(models, admission));
        return started switch
        {
            TurnStart.Started turn => new TurnEventStreamResult(
                runner.Start(user.Id, turn, models.Models[turn.Conversation.Model], turnFiles, admission?.ReservationId).ReadAllAsync()),
            TurnStart.OverQuota over => QuotaProblems.Exceeded(response, over.Refusal, time.GetUtcNow()),
            TurnStart.UnknownModel unknown => UnknownModel(unknown.Model, listed, user.Tier),
            TurnStart.NotContinuable => TypedResults.Problem(
                statusCode: StatusCodes.Status409Conflict, title: "Conflict",
                detail: "Only an answer that stopped at its length limit can be continued."),
            _ => TypedResults.NotFound(),
        };
    }

    /// <summary>
    /// <paramref name="start"/> under the hold <paramref name="reservationId"/>: a write that fails, or does not start the
    /// turn (no such conversation, parent or model; over quota), frees it at once; a started turn's runner owns it.
    /// </summary>
    private static async Task<TurnStart> StartHeldAsync(TurnQuotas quotas, Guid userId, string? reservationId, Func<Task<TurnStart>> start)
    {
        TurnStart started;
        try
        {
            started = await start();
        }
        catch
        {
            await quotas.ReleaseAsync(userId, reservationId);
            throw;
        }
        if (started is not TurnStart.Started)
        {
            await quotas.ReleaseAsync(userId, reservationId);
        }
        return started;
    }

    /// <summary>The events after <c>Last-Event-ID</c> (header, or <c>?lastEventId=</c>), then the live tail.</summary>
    public static async Task<Results<TurnEventStreamResult, NotFound, ValidationProblem>> GetEventsAsync(
        Guid id, Guid messageId, [FromQuery] string? lastEventId, HttpRequest request, CurrentUser user, TurnStore turns,
        TurnResumer resumer, CancellationToken cancellationToken)
    {
        var given = request.Headers["Last-Event-ID"] is [{ } header] ? header : lastEventId;
        var after = 0L;
        if (given is not null && (!long.TryParse(given, NumberStyles.None, CultureInfo.InvariantCulture, out after)))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["lastEventId"] = ["The last event id is the number of an event this stream sent (0 or more)."],
            });
        }
        if (await turns.FindAsync(user.Id, id, messageId, cancellationToken) is not { Message.Role: MessageRole.Assistant } state)
        {
            return TypedResults.NotFound();
        }
        return new TurnEventStreamResult(resumer.ResumeAsync(user.Id, id, state, after, default));
    }

    public static async Task<Results<Accepted, NotFound, ProblemHttpResult>> StopAsync(
        Guid id, Guid messageId, CurrentUser user, TurnStore turns, TurnRegistry registry, StopSignals stopSignals,
        CancellationToken cancellationToken)
    {
        if (await turns.FindAsync(user.Id, id, messageId, cancellationToken) is not { Message.Role: MessageRole.Assistant } state)
        {
            return TypedResults.NotFound();
        }
        if (state.Message.Status != MessageStatus.Streaming)
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status409Conflict, title: "Conflict",
                detail: $"The message is not streaming; it is {state.Message.Status.ToString().ToLowerInvariant()}.");
        }
        // Here first, so a stop reaches a turn of this instance even while Redis (which tells the others) is unreachable.
        registry.Stop(messageId);
        await stopSignals.PublishAsync(messageId);
        return TypedResults.Accepted((string?)null);
    }

    internal static async Task<RouterModels?> ListModelsAsync(ModelRouterClient router, CancellationToken cancellationToken)
    {
        try
        {
            return await router.ListModelsAsync(cancellationToken);
        }
        catch (Exception e) when (e is RouterException or HttpRequestException or TimeoutException or Polly.Timeout.TimeoutRejectedException
            or System.Text.Json.JsonException)
        {
            return null;
        }
    }

    // Only when the router is down, the conversation is read on its own: a missing or another user's one still answers 404.
    internal static ProblemHttpResult RouterUnavailable() => TypedResults.Problem(
        statusCode: StatusCodes.Status503ServiceUnavailable, title: "Service Unavailable",
        detail: "The model router could not be reached; nothing was written.");

    /// <summary>Why a turn's files stopped it: a file unknown or not ready (ingestion names it), or ingestion down.</summary>
    private static ProblemHttpResult FilesRefused(FileContextResult reason) => reason switch
    {
        FileContextResult.NotFound notFound => TypedResults.Problem(
            statusCode: StatusCodes.Status404NotFound, title: "File not found", detail: notFound.Detail),
        FileContextResult.NotReady notReady => TypedResults.Problem(
            statusCode: StatusCodes.Status409Conflict, title: "File not ready", detail: notReady.Detail),
        _ => TypedResults.Problem(
            statusCode: StatusCodes.Status503ServiceUnavailable, title: "Service Unavailable",
            detail: "The attached files could not be read (the ingestion service could not be reached); nothing was written."),
    };

    private static ProblemHttpResult UnknownModel(string modelId, RouterModels listed, string? tier) =>
        listed.Models.ContainsKey(modelId)
            ? TypedResults.Problem(
                statusCode: StatusCodes.Status403Forbidden, title: "Model not on your plan",
                detail: $"The model '{modelId}' is not available on the {tier} tier; choose another with PATCH /v1/conversations/{{id}}.")
            : TypedResults.Problem(
                statusCode: StatusCodes.Status422UnprocessableEntity, title: "Unknown model",
                detail: $"The conversation's model '{modelId}' is not offered; choose another with PATCH /v1/conversations/{{id}}.");
}
