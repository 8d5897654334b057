using ChatPlatform.Ingestion.Extraction;
using ChatPlatform.Ingestion.Retrieval;
using ChatPlatform.Postgres;
using ChatPlatform.Testing;
using Npgsql;

namespace ChatPlatform.Ingestion.Tests.Retrieval;

/// <summary>A fresh database with the ingestion schema migrated, and rows inserted as the pipeline would leave them.</summary>
public sealed class RetrievalDatabase : IAsyncDisposable
{
    private RetrievalDatabase(string connectionString, NpgsqlDataSource dataSource)
    {
        ConnectionString = connectionString;
        DataSource = dataSource;
    }

    public string ConnectionString { get; }

    /// <summary>Built after the migrations, with pgvector's types, as the service's is once its types are reloaded.</summary>
    public NpgsqlDataSource DataSource { get; }

    public static async Task<RetrievalDatabase> CreateAsync(PostgresFixture postgres, CancellationToken cancellationToken)
    {
        var connectionString = await postgres.CreateDatabaseAsync(cancellationToken);
        return await OpenAsync(connectionString, cancellationToken);
    }

    /// <summary>An existing database, migrated if it is not yet.</summary>
    public static async Task<RetrievalDatabase> OpenAsync(string connectionString, CancellationToken cancellationToken)
    {
        await MigrateAsync(connectionString, cancellationToken);
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        builder.UseVector();
        return new RetrievalDatabase(connectionString, builder.Build());
    }

    public static async Task MigrateAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var migrations = NpgsqlDataSource.Create(connectionString);
        await new SchemaMigrator(migrations, "ingestion", EmbeddedMigrations.Load(typeof(ChunkStore).Assembly)).MigrateAsync(cancellationToken);
    }

    /// <summary>Inserts a file row owned by <paramref name="userId"/>.</summary>
    public async Task<Guid> AddFileAsync(
        Guid userId, string name = "notes.txt", string status = "ready", string kind = "text", string mediaType = "text/plain",
        string? blobName = null, int? width = null, int? height = null, long sizeBytes = 100, CancellationToken cancellationToken = default)
    {
        var id = Guid.CreateVersion7();
        await using var command = DataSource.CreateCommand("""
            INSERT INTO ingestion.files (id, user_id, name, media_type, kind, size_bytes, sha256, blob_name, status, width, height)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
            """);
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(id.ToByteArray()));
        foreach (var value in new object?[] { id, userId, name, mediaType, kind, sizeBytes, sha, blobName ?? $"files/{userId}/{sha}", status, width, height })
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        }
        await command.ExecuteNonQueryAsync(cancellationToken);
        return id;
    }

    /// <summary>Stores <paramref name="chunks"/> as the file's chunks through <see cref="ChunkStore"/>, in one transaction.</summary>
    public async Task StoreChunksAsync(Guid fileId, IReadOnlyList<EmbeddedChunk> chunks, CancellationToken cancellationToken = default)
    {
        await using var connection = await DataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        Assert.True(await new ChunkStore().ReplaceAsync(transaction, fileId, chunks, cancellationToken));
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Embeds each text with <paramref name="embeddings"/> and stores them as the file's chunks, one per text.</summary>
    public async Task StoreTextsAsync(
        Guid fileId, Microsoft.Extensions.AI.IEmbeddingGenerator<string, Microsoft.Extensions.AI.Embedding<float>> embeddings,
        IReadOnlyList<(int? Page, string Text)> texts, CancellationToken cancellationToken = default)
    {
        var vectors = await embeddings.GenerateAsync(texts.Select(t => t.Text), cancellationToken: cancellationToken);
        var chunks = texts.Select((t, i) => new EmbeddedChunk(new TextChunk(i, t.Page, t.Text, TextTokens(t.Text)), vectors[i].Vector)).ToList();
        await StoreChunksAsync(fileId, chunks, cancellationToken);
    }

    public static int TextTokens(string text) => (text.Length + 3) / 4;

    public async Task<T?> ScalarAsync<T>(string sql, CancellationToken cancellationToken, params object[] parameters)
    {
        await using var command = DataSource.CreateCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }
        var value = await command.ExecuteScalarAsync(cancellationToken);
        return value is DBNull or null ? default : (T)value;
    }

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();
}
