using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using ChatPlatform.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ChatPlatform.ModelRouter.Tests.Fakes;

/// <summary>
/// A real HTTP server on loopback that speaks a provider's wire format, for tests of adapters, routing and APIs.
/// <code>
/// await using var openai = await FakeOpenAIServer.StartAsync(ct);      // or FakeAnthropicServer
/// openai.Behavior = FakeBehavior.Answer("Hi", " there");               // every call, unless one is queued
/// openai.Enqueue(FakeBehavior.Failing(FakeFailure.ServerError));      // the next call only (then the next queued)
/// var deployment = openai.Deployment("gpt-4o-mini");                  // a DeploymentDefinition pointing here
/// ... openai.Requests[0].Body["stream_options"], openai.Requests[0].Header("Authorization"), openai.CallCount
/// await openai.NextRequestAsync(ct);  await openai.WaitForAbortAsync(ct);   // signals, no sleeps
/// </code>
/// </summary>
public abstract class FakeProviderServer : IAsyncDisposable
{
    private readonly ConcurrentQueue<FakeBehavior> _queued = new();
    private readonly List<RecordedRequest> _requests = [];
    private readonly Channel<RecordedRequest> _arrivals = Channel.CreateUnbounded<RecordedRequest>();
    private readonly TaskCompletionSource _firstAbort = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private static readonly TimeSpan ResetGrace = TimeSpan.FromMilliseconds(300);
    private LoopbackHttpServer? _server;
    private int _aborted;

    /// <summary>The fake's key: deployments made by <c>Deployment(..)</c> read it from configuration entry <see cref="ApiKeySetting"/>.</summary>
    public const string ApiKey = "sk-fake-0123456789abcdef";

    public abstract string ApiKeySetting { get; }

    public Uri BaseAddress => _server?.BaseAddress ?? throw new InvalidOperationException("The server has not started.");

    /// <summary>What every call does unless a behaviour is queued with <see cref="Enqueue"/>.</summary>
    public FakeBehavior Behavior { get; set; } = new();

    public int CallCount
    {
        get
        {
            lock (_requests)
            {
                return _requests.Count;
            }
        }
    }

    /// <summary>Calls the client aborted (disconnected or cancelled) before the fake finished answering.</summary>
    public int AbortedCount => Volatile.Read(ref _aborted);

    public IReadOnlyList<RecordedRequest> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>The configuration a <c>ChatClientFactory</c> needs for this fake's deployments (its key).</summary>
    public KeyValuePair<string, string?> KeyConfiguration => new(ApiKeySetting, ApiKey);

    public void Enqueue(params FakeBehavior[] behaviors)
    {
        foreach (var behavior in behaviors)
        {
            _queued.Enqueue(behavior);
        }
    }

    /// <summary>The next request to arrive (in arrival order; each is returned once).</summary>
    public async Task<RecordedRequest> NextRequestAsync(CancellationToken cancellationToken) =>
        await _arrivals.Reader.ReadAsync(cancellationToken);

    /// <summary>Completes when the server has seen a client abort a request.</summary>
    public Task WaitForAbortAsync(CancellationToken cancellationToken) => _firstAbort.Task.WaitAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }

    protected async Task StartServerAsync(IEnumerable<string> paths, CancellationToken cancellationToken)
    {
        _server = await LoopbackHttpServer.StartAsync(routes =>
        {
            foreach (var path in paths)
            {
                routes.MapPost(path, HandleAsync);
            }
        }, cancellationToken);
    }

    /// <summary>Writes the whole answer as the provider's JSON.</summary>
    protected abstract Task WriteResponseAsync(HttpContext context, RecordedRequest request, FakeBehavior behavior);

    /// <summary>Writes the response headers and the events that precede the first text chunk.</summary>
    protected abstract Task WriteStreamStartAsync(HttpContext context, RecordedRequest request, FakeBehavior behavior);

    protected abstract Task WriteStreamTokenAsync(HttpContext context, RecordedRequest request, int index, string token);

    protected abstract Task WriteStreamEndAsync(HttpContext context, RecordedRequest request, FakeBehavior behavior);

    protected abstract string ErrorBody(string type, string message);

    protected static async Task WriteSseAsync(HttpContext context, string? eventName, string data)
    {
        var text = eventName is null ? $"data: {data}\n\n" : $"event: {eventName}\ndata: {data}\n\n";
        await context.Response.WriteAsync(text, context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }

    protected static void StartSse(HttpContext context)
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = await RecordAsync(context);
        var behavior = _queued.TryDequeue(out var next) ? next : Behavior;
        var aborted = context.RequestAborted;
        try
        {
            switch (behavior.Failure)
            {
                case FakeFailure.BadRequest:
                    await WriteErrorAsync(context, 400, "invalid_request_error", behavior.ErrorMessage, retryAfter: null);
                    return;
                case FakeFailure.RateLimited:
                    await WriteErrorAsync(context, 429, "rate_limit_error", behavior.ErrorMessage, behavior.RetryAfterSeconds);
                    return;
                case FakeFailure.ServerError:
                    await WriteErrorAsync(context, 500, "api_error", behavior.ErrorMessage, retryAfter: null);
                    return;
                case FakeFailure.HangBeforeFirstToken:
                    if (request.Stream)
                    {
                        StartSse(context);
                        await context.Response.Body.FlushAsync(aborted);
                    }

                    await Task.Delay(Timeout.Infinite, aborted);
                    return;
            }

            if (!request.Stream)
            {
                await WriteWholeAnswerAsync(context, request, behavior);
                return;
            }

            await WriteStreamStartAsync(context, request, behavior);
            for (var i = 0; i < behavior.Tokens.Count; i++)
            {
                if (i == behavior.FailAfterChunks && behavior.Failure == FakeFailure.ResetMidStream)
                {
                    // A reset drops whatever the client has received but not yet read: give it time to read the chunks.
                    await Task.Delay(ResetGrace, aborted);
                    context.Abort();
                    return;
                }

                if (i == behavior.FailAfterChunks && behavior.Failure == FakeFailure.MalformedChunk)
                {
                    await WriteSseAsync(context, eventName: null, "{\"choices\": [ this is not json");
                    return;
                }

                if (behavior.TokenDelay > TimeSpan.Zero)
                {
                    await Task.Delay(behavior.TokenDelay, aborted);
                }

                await WriteStreamTokenAsync(context, request, i, behavior.Tokens[i]);
            }

            await WriteStreamEndAsync(context, request, behavior);
        }
        catch (Exception exception) when (aborted.IsCancellationRequested && exception is OperationCanceledException or IOException)
        {
            Interlocked.Increment(ref _aborted);
            _firstAbort.TrySetResult();
        }
    }

    // A whole answer fails as a stream would: cut off partway (the connection reset), or not JSON.
    private async Task WriteWholeAnswerAsync(HttpContext context, RecordedRequest request, FakeBehavior behavior)
    {
        switch (behavior.Failure)
        {
            case FakeFailure.ResetMidStream:
                context.Response.ContentType = "application/json";
                context.Response.ContentLength = 4096;
                await context.Response.WriteAsync("{\"id\": \"cut-off\", \"choices\": [", context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
                await Task.Delay(ResetGrace, context.RequestAborted);
                context.Abort();
                return;
            case FakeFailure.MalformedChunk:
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync("{\"choices\": [ this is not json", context.RequestAborted);
                return;
            default:
                await WriteResponseAsync(context, request, behavior);
                return;
        }
    }

    private async Task WriteErrorAsync(HttpContext context, int status, string type, string message, int? retryAfter)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        if (retryAfter is { } seconds)
        {
            context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        await context.Response.WriteAsync(ErrorBody(type, message), context.RequestAborted);
    }

    private async Task<RecordedRequest> RecordAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var text = await reader.ReadToEndAsync(context.RequestAborted);
        var body = JsonNode.Parse(text) as JsonObject ?? [];
        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var request = new RecordedRequest(context.Request.Path.Value ?? "", body, headers) { Query = context.Request.QueryString.Value ?? "" };
        lock (_requests)
        {
            _requests.Add(request);
        }

        _arrivals.Writer.TryWrite(request);
        return request;
    }
}

/// <summary>A request as the fake received it: its path, its parsed JSON body and its headers.</summary>
public sealed record RecordedRequest(string Path, JsonObject Body, IReadOnlyDictionary<string, string> Headers)
{
    public bool Stream => Body["stream"]?.GetValue<bool>() == true;

    /// <summary>The query string, with its leading '?'; empty when none.</summary>
    public string Query { get; init; } = "";

    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}
