using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using ChatPlatform.ModelRouter.Providers;
using Microsoft.Extensions.AI;

namespace ChatPlatform.ModelRouter.Tests.Routing;

/// <summary>One step of a scripted provider stream.</summary>
internal abstract record Step
{
    public static Step Text(string text) => new TextStep(text);

    public static Step Fail(Exception error) => new FailStep(error);

    public static Step Transient(int status = 503, TimeSpan? retryAfter = null) =>
        new FailStep(new ProviderException($"provider answered {status}", status, isTransient: true, retryAfter));

    public static Step Delay(TimeSpan delay) => new DelayStep(delay);

    /// <summary>Waits until the call is cancelled, as a hung provider would.</summary>
    public static Step Hang { get; } = new HangStep();

    public static Step Usage(long input, long output, long cached = 0) => new UsageStep(input, output, cached);

    public static Step Finish(string reason = "stop", bool usageEstimated = false) => new FinishStep(reason, usageEstimated);

    /// <summary>Waits for the test to release it: a signal rather than a sleep.</summary>
    public static Step WaitFor(Task signal) => new WaitStep(signal);

    /// <summary>
    /// Holds the provider's thread until the signal, for at most 10 s, without an asynchronous wait: the router finds
    /// the next update in hand, as when a burst arrived together. <paramref name="released"/> gets whether the signal came.
    /// </summary>
    public static Step BlockUntil(Task signal, TaskCompletionSource<bool> released) => new BlockStep(signal, released);
}

internal sealed record TextStep(string Value) : Step;

internal sealed record FailStep(Exception Error) : Step;

internal sealed record DelayStep(TimeSpan Value) : Step;

internal sealed record HangStep : Step;

internal sealed record UsageStep(long Input, long Output, long Cached) : Step;

internal sealed record FinishStep(string Reason, bool UsageEstimated) : Step;

internal sealed record WaitStep(Task Signal) : Step;

internal sealed record BlockStep(Task Signal, TaskCompletionSource<bool> Released) : Step;

/// <summary>
/// An <see cref="IChatClient"/> that plays scripts, one per call (the last one repeats), and records what it saw:
/// the calls, their options, and whether each call's cancellation token fired.
/// </summary>
internal sealed class ScriptedChatClient(params Step[][] scripts) : IChatClient
{
    private int _calls;
    private int _wholeAnswerCalls;

    public int CallCount => Volatile.Read(ref _calls);

    /// <summary>The calls that asked for a whole answer (GetResponseAsync) rather than a stream.</summary>
    public int WholeAnswerCalls => Volatile.Read(ref _wholeAnswerCalls);

    public ConcurrentQueue<ChatOptions?> Options { get; } = new();

    public ConcurrentQueue<IReadOnlyList<ChatMessage>> Messages { get; } = new();

    /// <summary>Completes when a call's cancellation token fires.</summary>
    public TaskCompletionSource Cancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when a call starts.</summary>
    public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static ScriptedChatClient Answering(params string[] tokens) =>
        new([.. tokens.Select(Step.Text), Step.Finish()]);

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _wholeAnswerCalls);
        return GetStreamingResponseAsync(messages, options, cancellationToken).ToChatResponseAsync(cancellationToken);
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var call = Interlocked.Increment(ref _calls) - 1;
        Options.Enqueue(options);
        Messages.Enqueue([.. messages]);
        using var registration = cancellationToken.Register(() => Cancelled.TrySetResult());
        // The registration can be removed by the call's own end (its Delay cancelled first) before it runs, so the
        // call's end signals a cancelled token too.
        try
        {
            Started.TrySetResult();
            var script = scripts[Math.Min(call, scripts.Length - 1)];
            yield return new ChatResponseUpdate(ChatRole.Assistant, []);
            foreach (var step in script)
            {
                switch (step)
                {
                    case TextStep text:
                        yield return new ChatResponseUpdate(ChatRole.Assistant, text.Value);
                        break;
                    case FailStep fail:
                        throw fail.Error;
                    case DelayStep delay:
                        await Task.Delay(delay.Value, cancellationToken);
                        break;
                    case HangStep:
                        await Task.Delay(Timeout.Infinite, cancellationToken);
                        break;
                    case WaitStep wait:
                        await wait.Signal.WaitAsync(cancellationToken);
                        break;
                    case BlockStep block:
                        try
                        {
                            block.Released.TrySetResult(block.Signal.Wait(TimeSpan.FromSeconds(10), cancellationToken));
                        }
                        finally
                        {
                            block.Released.TrySetResult(false);
                        }
                        break;
                    case UsageStep usage:
                        yield return new ChatResponseUpdate(ChatRole.Assistant, [new UsageContent(new UsageDetails
                        {
                            InputTokenCount = usage.Input,
                            OutputTokenCount = usage.Output,
                            CachedInputTokenCount = usage.Cached,
                        })]);
                        break;
                    case FinishStep finish:
                        var update = new ChatResponseUpdate(ChatRole.Assistant, []) { FinishReason = new ChatFinishReason(finish.Reason) };
                        if (finish.UsageEstimated)
                        {
                            update.AdditionalProperties = new AdditionalPropertiesDictionary { ["usage_estimated"] = true };
                        }
                        yield return update;
                        break;
                }
            }
        }
        finally
        {
            if (cancellationToken.IsCancellationRequested)
            {
                Cancelled.TrySetResult();
            }
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }
}
