using System.Text;
using ChatPlatform.Chat.Infrastructure;
using ChatPlatform.EventLog;
using Microsoft.Extensions.Options;

namespace ChatPlatform.Chat.Services;

/// <summary>
/// Names a conversation after its first exchange, off the hot path: an event-log consumer of
/// <see cref="TurnStore.MessageCompletedEvent"/> asks the router for a short title with one small, whole completion, and
/// falls back to the first words of the question when the router fails. Setting it only where none exists makes the
/// handler idempotent and never overwrites a title the user chose.
/// </summary>
public sealed partial class TitleGenerator(
    TitleStore titles, ModelRouterClient router, IOptions<TurnOptions> options, TimeProvider time, ILogger<TitleGenerator> logger)
    : IEventHandler
{
    public const string ConsumerName = "chat-titles";
    public const int FallbackWords = 6;

    private const string Instruction =
        "Write a title of at most six words for a conversation that starts with the user's message below. " +
        "Answer with the title only, without quotes or a final period.";

    private static readonly TimeSpan RouterTimeout = TimeSpan.FromSeconds(10);

    public async Task HandleAsync(EventRecord e, CancellationToken cancellationToken)
    {
        if (e.Type != TurnStore.MessageCompletedEvent || e.PayloadAs<CompletedPayload>() is not { } completed
            || completed.Status is not ("complete" or "stopped"))
        {
            return;
        }
        if (await titles.FindUntitledFirstExchangeAsync(completed.UserId, completed.ConversationId, completed.MessageId, cancellationToken)
            is not { } exchange)
        {
            return;
        }
        var (answer, usage) = await AskRouterAsync(completed.UserId, exchange, cancellationToken);
        await titles.SetTitleIfMissingAsync(completed.UserId, completed.ConversationId, answer ?? FirstWords(exchange.Question), usage, cancellationToken);
    }

    /// <summary>The router's title (null when it failed or said nothing usable) and what the call used, to be billed.</summary>
    private async Task<(string? Title, TitleUsage? Usage)> AskRouterAsync(Guid userId, UntitledExchange exchange, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(RouterTimeout);
        var model = string.IsNullOrWhiteSpace(options.Value.TitleModel) ? exchange.Model : options.Value.TitleModel;
        var question = exchange.Question.Length > 2_000 ? exchange.Question[..2_000] : exchange.Question;
        try
        {
            var answer = await router.CompleteAsync(userId, model, [new("system", Instruction), new("user", question)], maxTokens: 24, timeout.Token);
            return (Clean(answer.Text),
                answer.Usage is { } usage ? new TitleUsage(model, usage, (long)time.GetElapsedTime(started).TotalMilliseconds) : null);
        }
        catch (Exception error) when (error is RouterException or HttpRequestException or OperationCanceledException or TimeoutException
            or System.Text.Json.JsonException or Polly.Timeout.TimeoutRejectedException && !cancellationToken.IsCancellationRequested)
        {
            LogTitleFallback(logger, error.GetType().Name);
            return (null, null);
        }
    }

    /// <summary>The model's answer on one line, without quotes, at most the title's length; null when nothing is left.</summary>
    public static string? Clean(string answer)
    {
        var line = answer.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "";
        line = line.Trim('"', '\'', '“', '”', '*', '#', ' ').TrimEnd('.');
        return line.Length == 0 ? null : Shorten(line);
    }

    public static string FirstWords(string question)
    {
        var words = question.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        var title = new StringBuilder();
        foreach (var word in words.Take(FallbackWords))
        {
            title.Append(title.Length == 0 ? "" : " ").Append(word);
        }
        return title.Length == 0 ? "New conversation" : Shorten(title.ToString());
    }

    private static string Shorten(string title) => title.Length <= 80 ? title : title[..79] + "…";

    private sealed record CompletedPayload(Guid UserId, Guid ConversationId, Guid MessageId, string Status);

    [LoggerMessage(Level = LogLevel.Information, Message = "The router did not name the conversation ({Error}); using the question's first words")]
    private static partial void LogTitleFallback(ILogger logger, string error);
}
