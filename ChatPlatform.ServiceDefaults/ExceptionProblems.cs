namespace Microsoft.Extensions.Hosting;

/// <summary>
/// What an exception from a service's infrastructure means for its client, for the one exception handler every service
/// shares (<see cref="ProblemDetailsExtensions"/>): each integration that knows its failures registers one (the database's
/// in <c>AddChatDatabase</c>), so a new service gets the same answers by registering the integration.
/// </summary>
public interface IExceptionProblemMapper
{
    /// <summary>The problem <paramref name="exception"/> means, or null when this mapper does not know it.</summary>
    ExceptionProblem? Map(Exception exception);
}

/// <summary>
/// A status, a detail safe to show anyone, when the client may try again (the <c>Retry-After</c> header) and, for bad input,
/// the errors by field (a validation problem's <c>errors</c>).
/// </summary>
public sealed record ExceptionProblem(
    int Status, string Detail, TimeSpan? RetryAfter = null, IReadOnlyDictionary<string, string[]>? Errors = null);
