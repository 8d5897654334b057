namespace ChatPlatform.ModelRouter.Routing;

/// <summary>The <c>Routing</c> configuration section.</summary>
public sealed class RoutingOptions
{
    public const string SectionName = "Routing";

    /// <summary>How long a deployment may take to send its first token before the next one is tried.</summary>
    public TimeSpan FirstTokenTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest silence between two tokens before the stream is ended with an error.</summary>
    public TimeSpan InterTokenTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a deployment may take to send a whole answer, for a request that is not streamed, before the next one is
    /// tried. It bounds the answer's whole generation, so it is longer than the streaming timeouts; the provider SDKs'
    /// own 30-minute timeouts cap it.
    /// </summary>
    public TimeSpan WholeAnswerTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Prompt and completion text on spans; off because they are users' words.</summary>
    public bool RecordContent { get; set; }

    public CircuitBreakerOptions CircuitBreaker { get; set; } = new();

    public HedgingOptions Hedging { get; set; } = new();
}

/// <summary>Per deployment; the break duration is the cooldown before a half-open probe is let through.</summary>
public sealed class CircuitBreakerOptions
{
    public double FailureRatio { get; set; } = 0.5;

    public int MinimumThroughput { get; set; } = 5;

    public TimeSpan SamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// Hedged requests (off unless a model is listed): when the first deployment has sent no token by its observed
/// time-to-first-token percentile, the next one starts too and the first to answer wins.
/// </summary>
public sealed class HedgingOptions
{
    /// <summary>Model ids to hedge.</summary>
    public IList<string> Models { get; } = [];

    public double Percentile { get; set; } = 0.9;

    /// <summary>Never hedge sooner than this, so a fast deployment is not doubled on every request.</summary>
    public TimeSpan MinimumDelay { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The delay while a deployment has too few samples for a percentile.</summary>
    public TimeSpan DelayWithoutSamples { get; set; } = TimeSpan.FromSeconds(2);
}
