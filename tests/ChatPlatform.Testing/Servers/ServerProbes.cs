using System.Net.Sockets;
using System.Text;
using Npgsql;

namespace ChatPlatform.Testing.Servers;

/// <summary>Whether a server answers: a PostgreSQL connection that runs <c>SELECT 1</c>, a Redis <c>PONG</c>.</summary>
internal static class ServerProbes
{
    public static async Task<bool> PostgresAnswersAsync(string connectionString, CancellationToken cancellationToken)
    {
        // No pooling: every check is a real new connection, and nothing is left open afterwards.
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, Timeout = 3 };
        try
        {
            await using var connection = new NpgsqlConnection(builder.ConnectionString);
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync(cancellationToken);
            return true;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>PING over RESP to <c>127.0.0.1:port</c>.</summary>
    public static async Task<bool> RedisAnswersAsync(int port, CancellationToken cancellationToken)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", port, timeout.Token);
            var stream = client.GetStream();
            await stream.WriteAsync("*1\r\n$4\r\nPING\r\n"u8.ToArray(), timeout.Token);
            var reply = await new StreamReader(stream, Encoding.UTF8).ReadLineAsync(timeout.Token);
            return reply == "+PONG";
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }
}
