using ChatPlatform.ModelRouter.Providers;
using ChatPlatform.ModelRouter.Routing;
using Microsoft.Extensions.AI;

namespace ChatPlatform.ModelRouter.OpenAI;

/// <summary>Router results in OpenAI's response shapes.</summary>
public static class ChatCompletionResults
{
    public static IResult Error(RoutingException error) =>
        Results.Json(ToWire(error), OpenAIJson.Options, statusCode: error.StatusCode);

    public static IResult Error(int statusCode, string message, string type = "invalid_request_error", string? param = null, string? code = null) =>
        Results.Json(new OpenAIErrorResponse(new OpenAIError(message, type, param, code)), OpenAIJson.Options, statusCode: statusCode);

    public static OpenAIErrorResponse ToWire(RoutingException error) =>
        new(new OpenAIError(
            error.Message, error.Type, error.Param, error.Code,
            error.Failures.Count == 0 ? null : [.. error.Failures.Select(f => new DeploymentFailureWire(f.DeploymentId, f.Reason))]));

    public static CompletionUsage ToWire(RouteUsage usage) =>
        new(usage.InputTokens, usage.OutputTokens, usage.InputTokens + usage.OutputTokens,
            new PromptTokensDetails(usage.CachedInputTokens),
            new RouterUsageDetails(
                usage.DeploymentId, RouterTelemetry.ProviderName(usage.Provider), usage.Estimated, usage.Cost,
                (long)usage.TimeToFirstToken.TotalMilliseconds, usage.FinishReason));

    /// <summary>Reads the whole answer, then responds with one <c>chat.completion</c>.</summary>
    public static async Task<IResult> CompleteAsync(RoutedStream stream, CancellationToken cancellationToken)
    {
        var text = new System.Text.StringBuilder();
        var toolCalls = new List<ToolCallWire>();
        string? finishReason = null;
        try
        {
            await foreach (var update in stream.WithCancellation(cancellationToken))
            {
                text.Append(update.Text);
                toolCalls.AddRange(update.Contents.OfType<FunctionCallContent>().Select(ToWire));
                finishReason = update.FinishReason?.Value ?? finishReason;
            }
        }
        catch (RoutingException error)
        {
            return Error(error);
        }
        var usage = stream.Usage!;
        var completion = new ChatCompletion(
            NewId(), DateTimeOffset.UtcNow.ToUnixTimeSeconds(), stream.Model.Id,
            [new ChatCompletionChoice(0, Message(text.ToString(), toolCalls), finishReason ?? "stop")],
            ToWire(usage));
        return Results.Json(completion, OpenAIJson.Options);
    }

    // As OpenAI answers a tool call: no content unless the model wrote some beside it.
    private static ChatCompletionMessage Message(string text, List<ToolCallWire> toolCalls) =>
        toolCalls.Count == 0
            ? new ChatCompletionMessage("assistant", text)
            : new ChatCompletionMessage("assistant", text.Length > 0 ? text : null, toolCalls);

    private static ToolCallWire ToWire(FunctionCallContent call) => new(call.CallId, new FunctionCallWire(call.Name, ToolCalls.Arguments(call)));

    /// <summary>A unique completion id. Not a secret, so it comes from a fast generator rather than the system's secure one.</summary>
    public static string NewId() => $"chatcmpl-{Random.Shared.NextInt64():x16}{Random.Shared.NextInt64():x16}";
}

/// <summary>
/// The answer as server-sent events, each chunk written and flushed as it comes: a first chunk with the role (flushed
/// together with the first delta, which is in hand when the stream starts), one per delta, one with the finish reason, the usage chunk (<c>choices: []</c>) when asked for, then <c>[DONE]</c>. A failure
/// after the stream began is sent as a <c>data: {"error": …}</c> event, as OpenAI does, and the stream ends without
/// <c>[DONE]</c> so that no client takes the partial answer for a whole one.
/// </summary>
public sealed class ChatCompletionSseResult(RoutedStream stream, bool includeUsage) : IResult
{
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        var cancellationToken = httpContext.RequestAborted;
        httpContext.StartServerSentEvents();

        var chunks = new ChatCompletionChunkWriter(
            response.BodyWriter, ChatCompletionResults.NewId(), DateTimeOffset.UtcNow.ToUnixTimeSeconds(), stream.Model.Id);
        string? finishReason = null;
        try
        {
            // The role chunk goes out with the first token (in hand already), in one flush rather than two.
            chunks.WriteRole();
            await using (var updates = stream.GetAsyncEnumerator(cancellationToken))
            {
                var clock = new FlushClock();
                var toolCalls = 0;
                var fragmentsSent = false;
                while (await NextAsync(response, updates, clock, cancellationToken))
                {
                    var update = updates.Current;
                    finishReason = update.FinishReason?.Value ?? finishReason;
                    var text = update.Text;
                    if (text.Length > 0)
                    {
                        chunks.WriteContent(text);
                        clock.TokenWritten();
                    }
                    // By index: a foreach over the IList would allocate an enumerator per token.
                    var contents = update.Contents;
                    for (var i = 0; i < contents.Count; i++)
                    {
                        switch (contents[i])
                        {
                            case ToolCallDelta fragment:
                                chunks.WriteToolCall(fragment.Index!.Value, fragment.Id, fragment.Name, fragment.Arguments);
                                fragmentsSent = true;
                                clock.TokenWritten();
                                break;
                            // Streams carry tool calls as fragments (OpenAI's, and Anthropic's through
                            // AnthropicToolCallFragments), and the whole calls they add up to come after them: the
                            // caller has had those fragment by fragment already.
                            case FunctionCallContent call when !fragmentsSent:
                                chunks.WriteToolCall(toolCalls++, call);
                                clock.TokenWritten();
                                break;
                        }
                    }
                }
            }
            chunks.WriteFinish(finishReason ?? "stop");
            if (includeUsage && stream.Usage is { } usage)
            {
                chunks.WriteUsage(ChatCompletionResults.ToWire(usage));
            }
            // Not flushed here: the server sends what is left with the response's end, in one write rather than two.
            chunks.WriteDone();
        }
        catch (RoutingException error)
        {
            chunks.WriteError(ChatCompletionResults.ToWire(error));
        }
        catch (Exception e) when (e is OperationCanceledException or IOException && cancellationToken.IsCancellationRequested)
        {
            // The caller left; the provider call was cancelled with it.
        }
    }

    // Events written since the last flush go out when the next update is not in hand yet (an event is never held back
    // while the provider is silent, and a burst of updates that arrived together leaves in one send instead of many), or
    // once they have waited MaxHold behind a provider whose updates never stop coming.
    private static async ValueTask<bool> NextAsync(
        HttpResponse response, IAsyncEnumerator<ChatResponseUpdate> updates, FlushClock clock, CancellationToken cancellationToken)
    {
        if (clock.FirstTokenWaiting)
        {
            // Sent before the next update is even asked for: no read is in flight yet, so a failure needs no care here.
            await response.BodyWriter.FlushAsync(cancellationToken);
            clock.Flushed();
        }
        var next = updates.MoveNextAsync();
        if (next.IsCompleted && !clock.Due)
        {
            return await next;
        }
        try
        {
            await response.BodyWriter.FlushAsync(cancellationToken);
            clock.Flushed();
        }
        catch
        {
            // The read in flight ends with the caller's token; it must end before the stream is disposed.
            try
            {
                await next;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // The flush's failure is the one to report.
            }
            throw;
        }
        return await next;
    }

    // The first token is the exception: it leaves as soon as it is written, since it is what the caller is waiting for,
    // even when the rest of a burst is in hand behind it and would otherwise go first through the whole router.
    private sealed class FlushClock
    {
        private static readonly TimeSpan MaxHold = TimeSpan.FromMilliseconds(2);
        private long _flushedAt = System.Diagnostics.Stopwatch.GetTimestamp();
        private bool _answerStarted;

        public bool FirstTokenWaiting { get; private set; }

        public bool Due => System.Diagnostics.Stopwatch.GetElapsedTime(_flushedAt) >= MaxHold;

        public void TokenWritten() => FirstTokenWaiting = !_answerStarted;

        public void Flushed()
        {
            _flushedAt = System.Diagnostics.Stopwatch.GetTimestamp();
            _answerStarted |= FirstTokenWaiting;
            FirstTokenWaiting = false;
        }
    }
}
