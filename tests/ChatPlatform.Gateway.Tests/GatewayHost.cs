using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using ChatPlatform.Gateway.Model;
using ChatPlatform.Gateway.Services;
using ChatPlatform.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ChatPlatform.Gateway.Tests;

/// <summary>
/// The gateway's real Program on a fresh database, with a known signing key so tests can mint tokens of their own.
/// <see cref="AccountService"/> names the gateway assembly: the AppHost's Program is visible here too.
/// </summary>
internal sealed class GatewayHost : WebApplicationFactory<AccountService>
{
    public static readonly byte[] SigningKey = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();

    private readonly Dictionary<string, string?> _settings;

    private GatewayHost(Dictionary<string, string?> settings, string databaseConnectionString)
    {
        _settings = settings;
        DatabaseConnectionString = databaseConnectionString;
    }

    public string DatabaseConnectionString { get; }

    /// <summary>The real Kestrel address, for hosts started by <see cref="StartKestrelAsync"/>.</summary>
    public Uri? BaseAddress { get; private set; }

    /// <summary>Every log line the gateway wrote, formatted, with exceptions.</summary>
    public ConcurrentQueue<string> Logs { get; } = new();

    public static async Task<GatewayHost> StartAsync(
        PostgresFixture postgres, RedisFixture redis, IDictionary<string, string?>? settings = null, string? redisConnectionString = null)
    {
        var database = await postgres.CreateDatabaseAsync(TestContext.Current.CancellationToken);
        var all = new Dictionary<string, string?>
        {
            ["ConnectionStrings:chatdb"] = database,
            ["ConnectionStrings:redis"] = redisConnectionString ?? redis.ConnectionString,
            ["Auth:SigningKey"] = Convert.ToBase64String(SigningKey),
            [InternalTokens.Setting] = InternalTokens.Key,
            // Every test shares one client address; the per-address limit gets its own test.
            ["Auth:SignInFailuresPerAddress"] = "100000",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }
        return new GatewayHost(all, database);
    }

    /// <summary>
    /// The gateway on real Kestrel (a free loopback port), for what the in-memory server cannot show: streamed answers
    /// flushing over a socket, client disconnects, WebSockets.
    /// </summary>
    public static async Task<GatewayHost> StartKestrelAsync(
        PostgresFixture postgres, RedisFixture redis, IDictionary<string, string?>? settings = null, string? redisConnectionString = null)
    {
        var host = await StartAsync(postgres, redis, settings, redisConnectionString);
        host.UseKestrel(0);
        host.StartServer();
        host.BaseAddress = new Uri(host.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());
        return host;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }
        builder.ConfigureLogging(logging => logging.AddProvider(new CapturingLoggerProvider(Logs)));
    }

    public static string NewEmail() => $"user-{Guid.NewGuid():N}@example.com";

    public const string Password = "correct-Horse-battery";

    public async Task<AuthTokens> RegisterAsync(string? email = null, string password = Password)
    {
        var response = await CreateClient().PostAsJsonAsync(
            "/v1/auth/register", new { email = email ?? NewEmail(), password }, TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<AuthTokens>(TestContext.Current.CancellationToken))!;
    }

    public HttpClient CreateClient(string bearer)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        return client;
    }

    public async Task<long> CountAsync(string table)
    {
        await using var dataSource = NpgsqlDataSource.Create(DatabaseConnectionString);
        await using var command = dataSource.CreateCommand($"SELECT count(*) FROM identity.{table}");
        return (long)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }
}

internal sealed class CapturingLoggerProvider(ConcurrentQueue<string> lines) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new CapturingLogger(categoryName, lines);

    public void Dispose()
    {
    }

    private sealed class CapturingLogger(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception} {state}");
    }
}
