using System.Net.Sockets;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace ChatPlatform.Postgres;

/// <summary>
/// PostgreSQL out of reach is 503 with <c>Retry-After</c>, not a 500: the server refuses or drops connections, shuts down
/// or is starting (57P01, 57P02, 57P03), has no connection left (53300), or the pool waited its timeout for one. Statement
/// errors (a constraint, bad SQL) are not: they stay 500s worth a stack trace.
/// </summary>
public sealed class DatabaseUnavailableProblems : IExceptionProblemMapper
{
    /// <summary>About the time a restarted server takes to accept connections again.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(5);

    public ExceptionProblem? Map(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (IsUnavailable(e))
            {
                return new ExceptionProblem(StatusCodes.Status503ServiceUnavailable, "The database is unavailable; try again shortly.", RetryAfter);
            }
        }
        return null;
    }

    private static bool IsUnavailable(Exception exception) => exception switch
    {
        PostgresException postgres => postgres.SqlState is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown
            or PostgresErrorCodes.CannotConnectNow or PostgresErrorCodes.TooManyConnections
            || postgres.SqlState.StartsWith("08", StringComparison.Ordinal),
        // Connecting failed, the connection broke mid-statement, or no connection came within the pool's timeout.
        NpgsqlException npgsql => npgsql.InnerException is SocketException or IOException or TimeoutException,
        _ => false,
    };
}
