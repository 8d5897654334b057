using Azure;

namespace ChatPlatform.Ingestion.Infrastructure;

/// <summary>
/// Blob storage out of reach (no answer after the SDK's retries, or a 5xx or 429 from the service) is 503 with
/// <c>Retry-After</c>, not a 500: the request may succeed once storage is back. Other storage errors stay 500s.
/// </summary>
internal sealed class BlobStorageUnavailableProblems : IExceptionProblemMapper
{
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(5);

    public ExceptionProblem? Map(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is RequestFailedException { Status: 0 or 429 or >= 500 } || e is AggregateException { InnerExceptions: var all } && all.All(IsUnreachable))
            {
                return new ExceptionProblem(StatusCodes.Status503ServiceUnavailable, "File storage is unavailable; try again shortly.", RetryAfter);
            }
        }
        return null;
    }

    private static bool IsUnreachable(Exception e) => e is RequestFailedException { Status: 0 or 429 or >= 500 } or HttpRequestException;
}
