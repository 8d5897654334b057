using ChatPlatform.Ingestion.Extraction;
using ChatPlatform.Ingestion.Retrieval;
using ChatPlatform.Testing;

namespace ChatPlatform.Ingestion.Tests.Retrieval;

public sealed class ChunkStoreTests(PostgresFixture postgres)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Replacing_leaves_only_the_new_chunks_with_the_owner_from_the_files_row()
    {
        await using var database = await RetrievalDatabase.CreateAsync(postgres, Cancellation);
        var user = Guid.NewGuid();
        var file = await database.AddFileAsync(user, cancellationToken: Cancellation);
        await database.StoreChunksAsync(file, [Chunk(0, "first version"), Chunk(1, "first version, second chunk"), Chunk(2, "third")], Cancellation);

        await database.StoreChunksAsync(file, [Chunk(0, "second version", page: 4)], Cancellation);

        Assert.Equal(1L, await database.ScalarAsync<long>("SELECT count(*) FROM ingestion.chunks WHERE file_id = $1", Cancellation, file));
        Assert.Equal("second version", await database.ScalarAsync<string>("SELECT text FROM ingestion.chunks WHERE file_id = $1", Cancellation, file));
        Assert.Equal(4, await database.ScalarAsync<int>("SELECT page FROM ingestion.chunks WHERE file_id = $1", Cancellation, file));
        Assert.Equal(user, await database.ScalarAsync<Guid>("SELECT user_id FROM ingestion.chunks WHERE file_id = $1", Cancellation, file));
        Assert.Equal(384, await database.ScalarAsync<int>("SELECT public.vector_dims(embedding) FROM ingestion.chunks WHERE file_id = $1", Cancellation, file));
    }

    [Fact]
    public async Task A_rolled_back_replacement_keeps_the_old_chunks()
    {
        await using var database = await RetrievalDatabase.CreateAsync(postgres, Cancellation);
        var file = await database.AddFileAsync(Guid.NewGuid(), cancellationToken: Cancellation);
        await database.StoreChunksAsync(file, [Chunk(0, "kept")], Cancellation);

        await using (var connection = await database.DataSource.OpenConnectionAsync(Cancellation))
        await using (var transaction = await connection.BeginTransactionAsync(Cancellation))
        {
            Assert.True(await new ChunkStore().ReplaceAsync(transaction, file, [Chunk(0, "lost"), Chunk(1, "lost too")], Cancellation));
            await transaction.RollbackAsync(Cancellation);
        }

        Assert.Equal("kept", await database.ScalarAsync<string>("SELECT string_agg(text, ',') FROM ingestion.chunks WHERE file_id = $1", Cancellation, file));
    }

    [Fact]
    public async Task A_file_deleted_meanwhile_gets_no_chunks()
    {
        await using var database = await RetrievalDatabase.CreateAsync(postgres, Cancellation);
        var gone = Guid.NewGuid();

        await using var connection = await database.DataSource.OpenConnectionAsync(Cancellation);
        await using var transaction = await connection.BeginTransactionAsync(Cancellation);
        Assert.False(await new ChunkStore().ReplaceAsync(transaction, gone, [Chunk(0, "orphan")], Cancellation));
        await transaction.CommitAsync(Cancellation);

        Assert.Equal(0L, await database.ScalarAsync<long>("SELECT count(*) FROM ingestion.chunks", Cancellation));
    }

    [Fact]
    public async Task Deleting_a_file_or_its_chunks_removes_its_chunks_and_vectors_only()
    {
        await using var database = await RetrievalDatabase.CreateAsync(postgres, Cancellation);
        var user = Guid.NewGuid();
        var (first, second, third) = (
            await database.AddFileAsync(user, cancellationToken: Cancellation),
            await database.AddFileAsync(user, cancellationToken: Cancellation),
            await database.AddFileAsync(user, cancellationToken: Cancellation));
        foreach (var file in new[] { first, second, third })
        {
            await database.StoreChunksAsync(file, [Chunk(0, "a"), Chunk(1, "b")], Cancellation);
        }

        await using (var connection = await database.DataSource.OpenConnectionAsync(Cancellation))
        await using (var transaction = await connection.BeginTransactionAsync(Cancellation))
        {
            Assert.Equal(2, await new ChunkStore().DeleteAsync(transaction, first, Cancellation));
            await transaction.CommitAsync(Cancellation);
        }
        await database.ScalarAsync<object>("DELETE FROM ingestion.files WHERE id = $1", Cancellation, second);

        Assert.Equal(0L, await database.ScalarAsync<long>("SELECT count(*) FROM ingestion.chunks WHERE file_id = ANY($1)", Cancellation, new[] { first, second }));
        Assert.Equal(2L, await database.ScalarAsync<long>("SELECT count(*) FROM ingestion.chunks WHERE file_id = $1", Cancellation, third));
    }

    [Fact]
    public async Task Text_that_postgres_cannot_hold_is_cleaned_rather_than_failing_the_file()
    {
        await using var database = await RetrievalDatabase.CreateAsync(postgres, Cancellation);
        var file = await database.AddFileAsync(Guid.NewGuid(), cancellationToken: Cancellation);

        await database.StoreChunksAsync(file, [Chunk(0, "nul\0byte and a lone \uD800 surrogate")], Cancellation);

        Assert.Equal("nulbyte and a lone \uFFFD surrogate", await database.ScalarAsync<string>("SELECT text FROM ingestion.chunks WHERE file_id = $1", Cancellation, file));
    }

    [Fact]
    public async Task A_vector_of_the_wrong_size_is_refused_before_anything_is_written()
    {
        await using var database = await RetrievalDatabase.CreateAsync(postgres, Cancellation);
        var file = await database.AddFileAsync(Guid.NewGuid(), cancellationToken: Cancellation);
        await database.StoreChunksAsync(file, [Chunk(0, "kept")], Cancellation);

        await using var connection = await database.DataSource.OpenConnectionAsync(Cancellation);
        await using var transaction = await connection.BeginTransactionAsync(Cancellation);
        var error = await Assert.ThrowsAsync<ArgumentException>(() => new ChunkStore().ReplaceAsync(
            transaction, file, [new EmbeddedChunk(new TextChunk(0, null, "x", 1), new float[1536])], Cancellation));

        Assert.Contains("1536", error.Message, StringComparison.Ordinal);
        await transaction.CommitAsync(Cancellation);
        Assert.Equal("kept", await database.ScalarAsync<string>("SELECT text FROM ingestion.chunks WHERE file_id = $1", Cancellation, file));
    }

    [Theory]
    [InlineData("Call ParseHttpHeaderV2 before sending.", "parsehttpheaderv2")]
    [InlineData("parse_http_header splits at the colon", "parse")]
    [InlineData("Die Kündigungsfrist beträgt drei Monate.", "kündigungsfrist")]
    [InlineData("The reports were filed.", "reports")]
    public async Task Full_text_keeps_identifiers_and_words_of_any_language_as_written(string text, string lexeme)
    {
        await using var database = await RetrievalDatabase.CreateAsync(postgres, Cancellation);
        var file = await database.AddFileAsync(Guid.NewGuid(), cancellationToken: Cancellation);
        await database.StoreChunksAsync(file, [Chunk(0, text)], Cancellation);

        var lexemes = await database.ScalarAsync<string[]>("SELECT tsvector_to_array(tsv) FROM ingestion.chunks WHERE file_id = $1", Cancellation, file);

        Assert.Contains(lexeme, lexemes!);
    }

    [Fact]
    public async Task Questions_lose_the_stop_words_of_each_language_and_keep_everything_else()
    {
        await using var database = await RetrievalDatabase.CreateAsync(postgres, Cancellation);

        var lexemes = await database.ScalarAsync<string[]>(
            "SELECT tsvector_to_array(to_tsvector('ingestion.question_words'::regconfig, $1))", Cancellation,
            "What is the Kündigungsfrist der Verträge, et le ParseHttpHeaderV2 de la policy?");

        Assert.Equal(["kündigungsfrist", "parsehttpheaderv2", "policy", "verträge"], lexemes!.Order(StringComparer.Ordinal));
    }

    private static EmbeddedChunk Chunk(int ordinal, string text, int? page = null)
    {
        var vector = new float[EmbeddingOptions.ColumnDimensions];
        vector[ordinal % vector.Length] = 1;
        return new EmbeddedChunk(new TextChunk(ordinal, page, text, RetrievalDatabase.TextTokens(text)), vector);
    }
}
