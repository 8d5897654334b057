using System.Net.Sockets;
using Npgsql;

namespace ChatPlatform.Postgres.Tests;

public sealed class DatabaseUnavailableProblemsTests
{
    private static readonly DatabaseUnavailableProblems Problems = new();

    public static TheoryData<string> UnavailableStates => ["57P01", "57P02", "57P03", "53300", "08006"];

    [Theory]
    [MemberData(nameof(UnavailableStates))]
    public void A_server_shutting_down_starting_or_full_is_503_with_retry_after(string sqlState)
    {
        var problem = Problems.Map(new PostgresException("the server says no", "FATAL", "FATAL", sqlState));

        Assert.Equal(503, problem?.Status);
        Assert.Equal(DatabaseUnavailableProblems.RetryAfter, problem?.RetryAfter);
    }

    [Fact]
    public void A_refused_or_broken_connection_or_an_exhausted_pool_is_503_even_when_wrapped()
    {
        Assert.Equal(503, Problems.Map(new NpgsqlException("Failed to connect", new SocketException((int)SocketError.ConnectionRefused)))?.Status);
        Assert.Equal(503, Problems.Map(new NpgsqlException("Exception while reading from stream", new EndOfStreamException()))?.Status);
        Assert.Equal(503, Problems.Map(new NpgsqlException("The connection pool has been exhausted", new TimeoutException()))?.Status);
        Assert.Equal(503, Problems.Map(new InvalidOperationException("wrapped", new NpgsqlException("Failed to connect", new SocketException())))?.Status);
    }

    [Fact]
    public void A_statement_error_is_left_to_the_default_500()
    {
        Assert.Null(Problems.Map(new PostgresException("duplicate key", "ERROR", "ERROR", PostgresErrorCodes.UniqueViolation)));
        Assert.Null(Problems.Map(new PostgresException("syntax error", "ERROR", "ERROR", PostgresErrorCodes.SyntaxError)));
        Assert.Null(Problems.Map(new InvalidOperationException("a bug")));
    }
}
