using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using ChatPlatform.AppHost.Hosting.Resources;
using Npgsql;

namespace ChatPlatform.AppHost.Hosting.Orchestration;

/// <summary>The checks behind each resource's health: an HTTP 200, a PostgreSQL connection, a Redis PONG.</summary>
internal static class HealthProbes
{
    /// <summary>200 is healthy; otherwise the status and the names of the failing checks from the service's JSON body.</summary>
    public static async Task<ResourceHealthResult> HttpAsync(HttpClient http, Uri url, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.GetAsync(url, cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            var (status, failing) = ReadHealthReport(body);
            if (response.IsSuccessStatusCode)
            {
                return ResourceHealthResult.Healthy(status);
            }
            var detail = failing.Count > 0 ? $"; failing: {string.Join(", ", failing)}" : "";
            return ResourceHealthResult.Unhealthy($"{url.AbsolutePath} answered {(int)response.StatusCode} {status}{detail}");
        }
        catch (HttpRequestException e)
        {
            return ResourceHealthResult.Unhealthy($"{url.AbsolutePath}: {e.Message}");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return ResourceHealthResult.Unhealthy($"{url.AbsolutePath} did not answer within {http.Timeout.TotalSeconds:0} s");
        }
    }

    public static async Task<ResourceHealthResult> PostgresAsync(string connectionString, CancellationToken cancellationToken)
    {
        // No pooling: every check is a real new connection, and nothing is left open when the host stops.
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, Timeout = 3 };
        try
        {
            await using var connection = new NpgsqlConnection(builder.ConnectionString);
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync(cancellationToken);
            return ResourceHealthResult.Healthy($"database '{builder.Database}' on {builder.Host}:{builder.Port}");
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            return ResourceHealthResult.Unhealthy(e.Message);
        }
    }

    /// <summary>PING over RESP; <paramref name="connectionString"/> is <c>host:port[,password=...]</c>.</summary>
    public static async Task<ResourceHealthResult> RedisAsync(string connectionString, CancellationToken cancellationToken)
    {
        var parts = connectionString.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var endpoint = parts[0];
        var colon = endpoint.LastIndexOf(':');
        var host = colon > 0 ? endpoint[..colon] : endpoint;
        var port = colon > 0 && int.TryParse(endpoint[(colon + 1)..], out var p) ? p : 6379;
        var password = parts.Skip(1).FirstOrDefault(x => x.StartsWith("password=", StringComparison.OrdinalIgnoreCase))?["password=".Length..];
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));
            using var client = new TcpClient();
            await client.ConnectAsync(host, port, timeout.Token);
            var stream = client.GetStream();
            var reader = new StreamReader(stream, Encoding.UTF8);
            if (password is not null)
            {
                await stream.WriteAsync(Command("AUTH", password), timeout.Token);
                if (await reader.ReadLineAsync(timeout.Token) is not { } auth || !auth.StartsWith('+'))
                {
                    return ResourceHealthResult.Unhealthy("AUTH was refused");
                }
            }
            await stream.WriteAsync(Command("PING"), timeout.Token);
            var reply = await reader.ReadLineAsync(timeout.Token);
            return reply == "+PONG" ? ResourceHealthResult.Healthy($"PONG from {host}:{port}") : ResourceHealthResult.Unhealthy($"PING answered '{reply}'");
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return ResourceHealthResult.Unhealthy($"{host}:{port}: {e.Message}");
        }
    }

    private static byte[] Command(params string[] arguments)
    {
        var text = new StringBuilder($"*{arguments.Length}\r\n");
        foreach (var argument in arguments)
        {
            text.Append($"${Encoding.UTF8.GetByteCount(argument)}\r\n{argument}\r\n");
        }
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private static (string? Status, List<string> Failing) ReadHealthReport(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            var status = root.TryGetProperty("status", out var s) ? s.GetString() : null;
            var failing = new List<string>();
            if (root.TryGetProperty("checks", out var checks) && checks.ValueKind == JsonValueKind.Object)
            {
                failing.AddRange(checks.EnumerateObject()
                    .Where(c => c.Value.TryGetProperty("status", out var cs) && cs.GetString() != "Healthy")
                    .Select(c => c.Name));
            }
            return (status, failing);
        }
        catch (JsonException)
        {
            return (null, []);
        }
    }
}
