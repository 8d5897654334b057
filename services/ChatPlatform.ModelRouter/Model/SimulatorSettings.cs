namespace ChatPlatform.ModelRouter.Model;

/// <summary>How a simulated deployment behaves: its pace, its answer's length and the failure it injects.</summary>
public sealed record SimulatorSettings(
    int TimeToFirstTokenMs = 300,
    double TokensPerSecond = 40,
    int AnswerTokens = 80,
    SimulatedFailure Failure = SimulatedFailure.None,
    int FailAfterTokens = 5,
    int RetryAfterSeconds = 1);

public enum SimulatedFailure
{
    None,
    ErrorBeforeFirstToken,
    ErrorMidStream,
    RateLimited,
    Hang,
}
