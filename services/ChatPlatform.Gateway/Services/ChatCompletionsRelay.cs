using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ChatPlatform.Gateway.Infrastructure;
using ChatPlatform.Gateway.Model;
using ChatPlatform.Quotas;
using Microsoft.AspNetCore.Http.Features;

namespace ChatPlatform.Gateway.Services;

/// <summary>
/// The OpenAI-compatible <c>POST /v1/chat/completions</c>: the body goes to the model router as the client wrote it,
/// except that a streamed request always asks for the usage chunk (<c>stream_options.include_usage</c>), which the
/// client sees only when it asked for it too. The answer streams back event by event; its usage becomes a
/// <c>usage.recorded</c> event. The router's errors are already OpenAI-shaped and pass through untouched.
/// <c>POST /v1/embeddings</c> is relayed the same way (never streamed; its usage has no output tokens).
/// </summary>
public sealed partial class ChatCompletionsRelay(
    UpstreamClient upstream, UsageEventWriter usageEvents, CompletionQuotas quotas, TimeProvider time, IProblemDetailsService problems,
    ILogger<ChatCompletionsRelay> logger)
{
    /// <param name="path">The router's route: <c>/v1/chat/completions</c> or <c>/v1/embeddings</c>.</param>
    public async Task RelayAsync(HttpContext context, string path)
    {
        var started = time.GetTimestamp();
        var cancellationToken = context.RequestAborted;
        if (await JsonNode.ParseAsync(context.Request.Body, cancellationToken: cancellationToken) is not JsonObject body)
        {
            await WriteProblemAsync(context, StatusCodes.Status400BadRequest, "The request body must be a JSON object.");
            return;
        }
        if (!HasUniqueProperties(body))
        {
            await WriteProblemAsync(context, StatusCodes.Status400BadRequest, "The request body names a property more than once.");
            return;
        }
        var streamed = body["stream"] is JsonValue stream && stream.GetValueKind() == JsonValueKind.True;
        var clientWantsUsage = false;
        if (streamed && body["stream_options"] is var options && options is null or JsonObject)
        {
            // A malformed stream_options is left for the router to reject in OpenAI's words.
            var streamOptions = options as JsonObject ?? [];
            clientWantsUsage = streamOptions["include_usage"] is JsonValue include && include.GetValueKind() == JsonValueKind.True;
            streamOptions["include_usage"] = true;
            body["stream_options"] = streamOptions;
        }
        // Serialized once, here: a string that is not valid text (an escaped unpaired surrogate, or invalid UTF-8) cannot
        // be, nor read, and is refused before anything reads it (found by the fuzz suite as a 500 from the quota check).
        byte[] payload;
        try
        {
            payload = JsonSerializer.SerializeToUtf8Bytes(body);
        }
        catch (JsonException)
        {
            await WriteProblemAsync(context, StatusCodes.Status400BadRequest, "The request body holds a string that is not valid Unicode text.");
            return;
        }

        // The worst case is held before the router is asked; its usage event settles it.
        var reservation = path == "/v1/chat/completions"
            ? await quotas.ReserveAsync(context.User, body, payload.Length, cancellationToken)
            : await quotas.ReserveEmbeddingsAsync(context.User, body, payload.Length, cancellationToken);
        if (reservation is ReserveResult.Refused refused)
        {
            await quotas.WriteRefusalAsync(context, refused.Quota);
            return;
        }
        var reservationId = ((ReserveResult.Reserved)reservation).ReservationId;
        var recorded = false;
        try
        {
            recorded = await RelayToRouterAsync(context, path, body, payload, streamed, clientWantsUsage, reservationId, started, cancellationToken);
        }
        finally
        {
            // No usage event carries the hold to billing: free it now rather than when it lapses.
            if (!recorded && reservationId is not null)
            {
                await quotas.ReleaseAsync(context.User, reservationId);
            }
        }
    }

    /// <summary>Sends the request on and relays the answer; true when its usage was recorded.</summary>
    private async Task<bool> RelayToRouterAsync(
        HttpContext context, string path, JsonObject body, byte[] payload, bool streamed, bool clientWantsUsage, string? reservationId, long started,
        CancellationToken cancellationToken)
    {
        using var request = upstream.CreateRequest(Upstreams.ModelRouter, HttpMethod.Post, path);
        request.Content = new ByteArrayContent(payload)
        {
            Headers = { ContentType = new MediaTypeHeaderValue("application/json") },
        };
        request.Headers.Authorization = UpstreamClient.Bearer(upstream.InternalTokenFor(context.User)!);
        using var invoker = upstream.CreateInvoker(Upstreams.ModelRouter);
        HttpResponseMessage response;
        try
        {
            response = await invoker.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            LogRouterUnavailable(logger, e);
            await WriteProblemAsync(context, StatusCodes.Status502BadGateway, "The model router is unavailable.");
            return false;
        }
        using (response)
        {
            context.Response.StatusCode = (int)response.StatusCode;
            if (response.Content.Headers.ContentType is { } contentType)
            {
                context.Response.ContentType = contentType.ToString();
            }
            await using var answer = await response.Content.ReadAsStreamAsync(cancellationToken);
            RouterUsage? usage;
            if (!response.IsSuccessStatusCode)
            {
                // A provider's "try again later" reaches the client as OpenAI's clients expect it.
                if (response.Headers.RetryAfter is { } retryAfter)
                {
                    context.Response.Headers.RetryAfter = retryAfter.ToString();
                }
                await answer.CopyToAsync(context.Response.Body, cancellationToken);
                return false;
            }
            var status = UsageRecorded.Complete;
            if (streamed && response.Content.Headers.ContentType?.MediaType == "text/event-stream")
            {
                context.Response.Headers.CacheControl = "no-cache";
                context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
                var relayed = new RelayedStream();
                status = await RelayEventsAsync(answer, context.Response, clientWantsUsage, relayed, cancellationToken);
                // Cut short before the usage chunk (the client left, the stream broke or the provider failed): the tokens
                // sent and received are still spent. Counted from the text, priced by billing from the model.
                usage = relayed.Usage ?? Estimate(body, relayed);
                if (status == UsageRecorded.Stopped)
                {
                    LogClientLeft(logger, usage.Model, usage.CompletionTokens);
                }
            }
            else
            {
                using var buffer = new MemoryStream();
                await answer.CopyToAsync(buffer, cancellationToken);
                usage = ReadUsage(JsonNode.Parse(buffer.ToArray()) as JsonObject);
                buffer.Position = 0;
                await buffer.CopyToAsync(context.Response.Body, cancellationToken);
            }
            if (usage is null)
            {
                LogNoUsage(logger);
                return false;
            }
            return await RecordAsync(context.User, usage, status, time.GetElapsedTime(started), reservationId);
        }
    }

    /// <summary>
    /// A JSON object may repeat a name, but a <see cref="JsonObject"/> throws on its first use when one does (found by
    /// the fuzz suite as a 500): it is checked once, here, where it can be refused.
    /// </summary>
    private static bool HasUniqueProperties(JsonObject body)
    {
        try
        {
            _ = body.Count;
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>
    /// Relays each SSE event as it arrives, noting in <paramref name="relayed"/> the usage the stream reported and the text
    /// it carried; returns how it ended. A client that leaves, or a router stream that breaks, ends it without throwing:
    /// what was used until then is recorded all the same.
    /// </summary>
    private static async Task<string> RelayEventsAsync(
        Stream answer, HttpResponse response, bool clientWantsUsage, RelayedStream relayed, CancellationToken cancellationToken)
    {
        try
        {
            await CopyEventsAsync(answer, response, clientWantsUsage, relayed, cancellationToken);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException && cancellationToken.IsCancellationRequested)
        {
            return UsageRecorded.Stopped;
        }
        catch (Exception e) when (e is IOException or JsonException)
        {
            return UsageRecorded.Failed;
        }
        return relayed.Failed || !relayed.Done ? UsageRecorded.Failed : UsageRecorded.Complete;
    }

    private static async Task CopyEventsAsync(
        Stream answer, HttpResponse response, bool clientWantsUsage, RelayedStream relayed, CancellationToken cancellationToken)
    {
        await foreach (var item in SseParser.Create(answer).EnumerateAsync(cancellationToken))
        {
            var chunk = item.Data.StartsWith('{') ? JsonNode.Parse(item.Data) as JsonObject : null;
            var chunkUsage = ReadUsage(chunk);
            relayed.Note(item.Data, chunk, chunkUsage);
            // The usage-only chunk (no choices) was asked for by the gateway, not the client: it stays here.
            if (chunkUsage is not null && chunk!["choices"] is JsonArray { Count: 0 } && !clientWantsUsage)
            {
                continue;
            }
            var frame = new StringBuilder();
            if (item.EventType != SseParser.EventTypeDefault)
            {
                frame.Append("event: ").Append(item.EventType).Append('\n');
            }
            foreach (var line in item.Data.Split('\n'))
            {
                frame.Append("data: ").Append(line).Append('\n');
            }
            frame.Append('\n');
            await response.Body.WriteAsync(Encoding.UTF8.GetBytes(frame.ToString()), cancellationToken);
            await response.Body.FlushAsync(cancellationToken);
        }
    }

    /// <summary>
    /// The usage of a stream that ended without the router's figures: the prompt from the request's text, the output
    /// from the text relayed (about 4 characters a token, as chat counts a stopped answer), the deployment unknown and
    /// the cost left for billing to price from the model's catalog price.
    /// </summary>
    private static RouterUsage Estimate(JsonObject body, RelayedStream relayed)
    {
        var promptChars = 0L;
        if (body["messages"] is JsonArray messages)
        {
            foreach (var message in messages)
            {
                promptChars += message?["content"] switch
                {
                    JsonValue text when text.GetValueKind() == JsonValueKind.String => ((string)text!).Length,
                    JsonArray parts => parts.Sum(p => p?["text"] is JsonValue t && t.GetValueKind() == JsonValueKind.String ? ((string)t!).Length : 0),
                    _ => 0,
                };
            }
        }
        var model = relayed.Model ?? (body["model"] is JsonValue m && m.GetValueKind() == JsonValueKind.String ? (string)m! : "");
        return new RouterUsage(model, (promptChars + 3) / 4, (relayed.OutputChars + 3) / 4, 0,
            UsageRecorded.Unknown, UsageRecorded.Unknown, Estimated: true, 0m, 0);
    }

    /// <summary>What a relayed stream carried: the router's usage when it came, the text, and whether it ended well.</summary>
    private sealed class RelayedStream
    {
        public RouterUsage? Usage { get; private set; }

        public string? Model { get; private set; }

        public long OutputChars { get; private set; }

        public bool Failed { get; private set; }

        public bool Done { get; private set; }

        public void Note(string data, JsonObject? chunk, RouterUsage? usage)
        {
            Usage = usage ?? Usage;
            Done |= data == "[DONE]";
            if (chunk is null)
            {
                return;
            }
            Failed |= chunk["error"] is not null;
            Model ??= chunk["model"] is JsonValue model && model.GetValueKind() == JsonValueKind.String ? (string)model! : null;
            if (chunk["choices"] is JsonArray choices)
            {
                foreach (var choice in choices)
                {
                    if (choice?["delta"]?["content"] is JsonValue content && content.GetValueKind() == JsonValueKind.String)
                    {
                        OutputChars += ((string)content!).Length;
                    }
                }
            }
        }
    }

    private static RouterUsage? ReadUsage(JsonObject? completion)
    {
        if (completion?["usage"] is not JsonObject usage || usage["chatplatform"] is not JsonObject details)
        {
            return null;
        }
        return new RouterUsage(
            Model: (string?)completion["model"] ?? "",
            PromptTokens: (long?)usage["prompt_tokens"] ?? 0,
            CompletionTokens: (long?)usage["completion_tokens"] ?? 0,
            CachedTokens: (long?)usage["prompt_tokens_details"]?["cached_tokens"] ?? 0,
            Deployment: (string?)details["deployment"] ?? "",
            Provider: (string?)details["provider"] ?? "",
            Estimated: (bool?)details["estimated"] ?? false,
            CostUsd: (decimal?)details["cost_usd"] ?? 0m,
            TimeToFirstTokenMs: (long?)details["time_to_first_token_ms"] ?? 0);
    }

    private async Task<bool> RecordAsync(ClaimsPrincipal user, RouterUsage usage, string status, TimeSpan duration, string? reservationId)
    {
        var recorded = new UsageRecorded(
            user.UserId()!.Value,
            UsageRecorded.ApiSource,
            Guid.TryParse(user.FindFirstValue(ApiKeyAuthenticationHandler.KeyIdClaim), out var keyId) ? keyId : null,
            usage.Model, usage.Deployment, usage.Provider,
            usage.PromptTokens, usage.CachedTokens, usage.CompletionTokens,
            usage.Estimated, usage.CostUsd, usage.TimeToFirstTokenMs,
            (long)duration.TotalMilliseconds,
            time.GetUtcNow(),
            status,
            reservationId);
        try
        {
            // The answer has been delivered (and paid for upstream): record it even if the client has gone.
            await usageEvents.AppendAsync(recorded, CancellationToken.None);
            return true;
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException)
        {
            LogUsageNotRecorded(logger, e, recorded.UserId, recorded.Model, recorded.InputTokens, recorded.OutputTokens);
            return false;
        }
    }

    private Task WriteProblemAsync(HttpContext context, int status, string detail)
    {
        context.Response.StatusCode = status;
        return problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = status, Title = Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status), Detail = detail },
        }).AsTask();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "A client left a {Model} stream after about {OutputTokens} tokens; its usage is recorded as stopped")]
    private static partial void LogClientLeft(ILogger logger, string model, long outputTokens);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The model router could not be reached")]
    private static partial void LogRouterUnavailable(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A completion or embeddings answered without usage; nothing was recorded")]
    private static partial void LogNoUsage(ILogger logger);

    [LoggerMessage(Level = LogLevel.Error, Message = "Usage of user {UserId} was not recorded (model {Model}, {InputTokens} in, {OutputTokens} out)")]
    private static partial void LogUsageNotRecorded(ILogger logger, Exception exception, Guid userId, string model, long inputTokens, long outputTokens);
}
