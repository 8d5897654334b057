using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using ChatPlatform.Chat.Infrastructure;
using ChatPlatform.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Npgsql;

namespace ChatPlatform.Chat.Tests;

/// <summary>The chat service as Program wires it, on a fresh database; clients act as users through internal tokens.</summary>
public sealed class ChatServiceHost : IAsyncDisposable
{
    private readonly WebApplicationFactory<ConversationStore> _factory;

    private ChatServiceHost(WebApplicationFactory<ConversationStore> factory, string database)
    {
        _factory = factory;
        Database = database;
    }

    public string Database { get; }

    public static async Task<ChatServiceHost> StartAsync(
        PostgresFixture postgres, RedisFixture redis, CancellationToken cancellationToken, Uri? modelRouter = null,
        IReadOnlyDictionary<string, string>? settings = null)
    {
        var database = await postgres.CreateDatabaseAsync(cancellationToken);
        return Start(database, redis.ConnectionString, modelRouter, settings);
    }

    /// <summary>Another instance of the service on the same database and Redis, as a second replica would be.</summary>
    public static ChatServiceHost Start(
        string database, string redis, Uri? modelRouter, IReadOnlyDictionary<string, string>? settings = null, Action<IWebHostBuilder>? configure = null)
    {
        var factory = new WebApplicationFactory<ConversationStore>().WithWebHostBuilder(web =>
        {
            web.UseSetting("ConnectionStrings:chatdb", database);
            web.UseSetting("ConnectionStrings:redis", redis);
            web.UseSetting(InternalTokens.Setting, InternalTokens.Key);
            if (modelRouter is not null)
            {
                web.UseSetting("services:model-router:http:0", modelRouter.ToString().TrimEnd('/'));
            }
            // Every token its own delta, so that tests can count them; DeltaBatchTests cover the batching.
            web.UseSetting("Turns:DeltaWindow", "00:00:00");
            foreach (var (key, value) in settings ?? new Dictionary<string, string>())
            {
                web.UseSetting(key, value);
            }
            configure?.Invoke(web);
        });
        return new ChatServiceHost(factory, database);
    }

    public IServiceProvider Services => _factory.Services;

    /// <summary>The options error that stopped this host's start-up (see <see cref="StartUpFailure"/>).</summary>
    public Microsoft.Extensions.Options.OptionsValidationException StartUpError() => StartUpFailure.Of(_factory);

    /// <summary>A client acting as <paramref name="userId"/> with the internal token the gateway would mint; null sends none.</summary>
    public HttpClient ClientFor(Guid? userId)
    {
        var client = _factory.CreateClient();
        if (userId is { } id)
        {
            client.DefaultRequestHeaders.Authorization = InternalTokens.User(id);
        }
        return client;
    }

    public async Task<long> CountAsync(string sql, CancellationToken cancellationToken, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(Database);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    public Task<long> CountWritesAsync(CancellationToken cancellationToken) => CountAsync(
        "SELECT (SELECT count(*) FROM chat.conversations) + (SELECT count(*) FROM chat.messages) + (SELECT count(*) FROM events.events)",
        cancellationToken);

    public async Task<object?> ScalarAsync(string sql, CancellationToken cancellationToken, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(Database);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }
        return await command.ExecuteScalarAsync(cancellationToken);
    }

    public ValueTask DisposeAsync() => _factory.DisposeAsync();

    public static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    public static async Task<JsonNode> ReadJsonAsync(HttpResponseMessage response, CancellationToken cancellationToken) =>
        (await response.Content.ReadFromJsonAsync<JsonNode>(cancellationToken))!;
}
