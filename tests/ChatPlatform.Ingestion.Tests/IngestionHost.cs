using System.Globalization;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using ChatPlatform.Identity;
using ChatPlatform.Ingestion.Infrastructure;
using ChatPlatform.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace ChatPlatform.Ingestion.Tests;

/// <summary>
/// The ingestion service as Program wires it, on a fresh database and the assembly's Azurite; clients act as users
/// through the internal tokens the gateway would mint.
/// </summary>
public sealed class IngestionHost : IAsyncDisposable
{
    private readonly WebApplicationFactory<FileStore> _factory;

    private IngestionHost(WebApplicationFactory<FileStore> factory, string database, string blobs)
    {
        _factory = factory;
        Database = database;
        Blobs = new BlobServiceClient(blobs);
    }

    public string Database { get; }

    /// <summary>The storage account the service writes to, for tests to look at what it holds.</summary>
    public BlobServiceClient Blobs { get; }

    /// <summary>The real Kestrel address, for hosts started with <c>kestrel: true</c>.</summary>
    public Uri? BaseAddress { get; private set; }

    public IServiceProvider Services => _factory.Services;

    public static async Task<IngestionHost> StartAsync(
        PostgresFixture postgres, AzuriteFixture azurite, IReadOnlyDictionary<string, string>? settings = null, bool kestrel = false,
        TimeProvider? timeProvider = null)
    {
        var database = await postgres.CreateDatabaseAsync(TestContext.Current.CancellationToken);
        var factory = new WebApplicationFactory<FileStore>().WithWebHostBuilder(web =>
        {
            web.UseSetting("ConnectionStrings:chatdb", database);
            web.UseSetting("ConnectionStrings:blobs", azurite.ConnectionString);
            web.UseSetting(InternalTokens.Setting, InternalTokens.Key);
            // The API tests look at what a request wrote; processing would add to it behind their back.
            web.UseSetting("Processing:Enabled", "false");
            foreach (var (key, value) in settings ?? new Dictionary<string, string>())
            {
                web.UseSetting(key, value);
            }
            if (timeProvider is not null)
            {
                web.ConfigureTestServices(services => services.AddSingleton(timeProvider));
            }
        });
        var host = new IngestionHost(factory, database, azurite.ConnectionString);
        if (kestrel)
        {
            factory.UseKestrel(0);
            factory.StartServer();
            host.BaseAddress = new Uri(factory.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());
        }
        return host;
    }

    /// <summary>A client acting as <paramref name="userId"/> (of <paramref name="tier"/>, when given); null sends no token.</summary>
    public HttpClient ClientFor(Guid? userId, string? tier = null)
    {
        HttpClient client;
        if (BaseAddress is { } address)
        {
            client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromMinutes(2) };
        }
        else
        {
            client = _factory.CreateClient();
        }
        if (userId is { } id)
        {
            client.DefaultRequestHeaders.Authorization = InternalTokens.Bearer(InternalTokens.Mint(InternalRoles.User, id, tier: tier));
        }
        return client;
    }

    public async Task<object?> ScalarAsync(string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(Database);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }
        return await command.ExecuteScalarAsync(TestContext.Current.CancellationToken);
    }

    public async Task<long> CountAsync(string sql, params object[] parameters) =>
        Convert.ToInt64(await ScalarAsync(sql, parameters), CultureInfo.InvariantCulture);

    /// <summary>The rows and events of a user: what a refused request must not leave.</summary>
    public async Task<(long Files, long Events)> WritesOfAsync(Guid userId) => (
        await CountAsync("SELECT count(*) FROM ingestion.files WHERE user_id = $1", userId),
        await CountAsync("SELECT count(*) FROM events.events WHERE key = $1", userId.ToString()));

    /// <summary>The names of the blobs under <c>files/{userId}/</c>.</summary>
    public async Task<List<string>> ContentBlobsOfAsync(Guid userId)
    {
        var names = new List<string>();
        await foreach (var blob in Blobs.GetBlobContainerClient(FileBlobs.FilesContainer)
            .GetBlobsAsync(BlobTraits.None, BlobStates.None, $"{userId}/", TestContext.Current.CancellationToken))
        {
            names.Add(blob.Name);
        }
        return names;
    }

    /// <summary>The committed blobs in <c>uploads</c> (staged blocks never committed are not blobs).</summary>
    public async Task<List<string>> StagedBlobsAsync()
    {
        var names = new List<string>();
        await foreach (var blob in Blobs.GetBlobContainerClient(FileBlobs.UploadsContainer).GetBlobsAsync(BlobTraits.None, BlobStates.None, null, TestContext.Current.CancellationToken))
        {
            names.Add(blob.Name);
        }
        return names;
    }

    public ValueTask DisposeAsync() => _factory.DisposeAsync();
}
