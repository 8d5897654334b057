namespace ChatPlatform.ModelRouter.Tests.Fakes;

/// <summary>What a fake provider server does with one call. The defaults answer "Hello, world!" in four chunks.</summary>
public sealed record FakeBehavior
{
    public static readonly IReadOnlyList<string> DefaultTokens = ["Hello", ",", " world", "!"];

    /// <summary>The answer's text, one content delta (chunk) per item when streaming.</summary>
    public IReadOnlyList<string> Tokens { get; init; } = DefaultTokens;

    public FakeFailure Failure { get; init; }

    /// <summary>Tool calls after the text; streamed as OpenAI does, an id and name first, then the arguments in pieces.</summary>
    public IReadOnlyList<FakeToolCall> ToolCalls { get; init; } = [];

    /// <summary>For <see cref="FakeFailure.ResetMidStream"/> and <see cref="FakeFailure.MalformedChunk"/>: text chunks sent first.</summary>
    public int FailAfterChunks { get; init; } = 2;

    /// <summary>A pause before each text chunk and each tool call fragment (slow tokens).</summary>
    public TimeSpan TokenDelay { get; init; }

    /// <summary>Sent as Retry-After with <see cref="FakeFailure.RateLimited"/> (and with 500 when set).</summary>
    public int RetryAfterSeconds { get; init; } = 7;

    /// <summary>The provider's error message in the error body (400, 429, 500).</summary>
    public string ErrorMessage { get; init; } = "The fake provider rejected this request.";

    /// <summary>The prompt tokens reported in the usage (the cached ones included).</summary>
    public int InputTokens { get; init; } = 21;

    public int CachedInputTokens { get; init; }

    /// <summary>The completion tokens reported; by default one a chunk.</summary>
    public int? OutputTokens { get; init; }

    /// <summary>Embeddings: the vectors' length when the request names no <c>dimensions</c>.</summary>
    public int EmbeddingDimensions { get; init; } = 3;

    /// <summary>Embeddings: vectors as base64 strings (as some servers answer whatever was asked for).</summary>
    public bool Base64Embeddings { get; init; }

    /// <summary>Embeddings: whether the answer carries usage (<see cref="InputTokens"/>).</summary>
    public bool ReportUsage { get; init; } = true;

    public string FinalText => string.Concat(Tokens);

    public int ReportedOutputTokens => OutputTokens ?? Tokens.Count;

    public static FakeBehavior Answer(params string[] tokens) => new() { Tokens = tokens };

    public static FakeBehavior Failing(FakeFailure failure) => new() { Failure = failure };
}

/// <summary>A function call the fake model makes; <see cref="Arguments"/> is the JSON string it writes.</summary>
public sealed record FakeToolCall(string Id, string Name, string Arguments);

public enum FakeFailure
{
    None,

    /// <summary>500 with the provider's error body.</summary>
    ServerError,

    /// <summary>429 with Retry-After: <see cref="FakeBehavior.RetryAfterSeconds"/>.</summary>
    RateLimited,

    /// <summary>400 with the provider's error body carrying <see cref="FakeBehavior.ErrorMessage"/>.</summary>
    BadRequest,

    /// <summary>
    /// A streamed answer whose connection is aborted after <see cref="FakeBehavior.FailAfterChunks"/> text chunks; a whole
    /// answer cut off partway through its JSON.
    /// </summary>
    ResetMidStream,

    /// <summary>Nothing but (when streaming) the response headers, until the client aborts the request.</summary>
    HangBeforeFirstToken,

    /// <summary>A streamed answer whose event after <see cref="FakeBehavior.FailAfterChunks"/> text chunks is not JSON; a whole answer that is not JSON.</summary>
    MalformedChunk,
}
