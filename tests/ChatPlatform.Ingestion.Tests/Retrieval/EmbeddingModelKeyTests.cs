using ChatPlatform.Ingestion.Extraction;
using ChatPlatform.Ingestion.Retrieval;
using ChatPlatform.Testing;

namespace ChatPlatform.Ingestion.Tests.Retrieval;

/// <summary>Vectors of two models are never compared: a change of <c>Embeddings</c> model leaves old chunks to words alone.</summary>
public sealed class EmbeddingModelKeyTests(PostgresFixture postgres)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task By_meaning_only_chunks_of_the_questions_model_are_found_and_others_still_by_words()
    {
        await using var database = await RetrievalDatabase.CreateAsync(postgres, Cancellation);
        var user = Guid.NewGuid();
        var oldFile = await database.AddFileAsync(user, "old.txt", cancellationToken: Cancellation);
        var newFile = await database.AddFileAsync(user, "new.txt", cancellationToken: Cancellation);
        var vector = FakeModelRouter.Vector("alpacas graze on the high plateau");
        await StoreAsync(database, new ChunkStore(EmbeddingOptions.LocalModelKey), oldFile, "Alpacas graze on the high plateau.", vector);
        await StoreAsync(database, new ChunkStore("router:fake-embed:384"), newFile, "Alpacas graze on the high plateau.", vector);
        var retriever = new HybridRetriever(database.DataSource, "router:fake-embed:384");

        var byMeaning = await retriever.SearchAsync(user, [oldFile, newFile], "zzz unrelated words", vector, 10, Cancellation);
        var byWords = await retriever.SearchAsync(user, [oldFile], "alpacas", vector, 10, Cancellation);

        Assert.Equal(newFile, Assert.Single(byMeaning).FileId);
        Assert.Equal(oldFile, Assert.Single(byWords).FileId);
        Assert.Equal(1L, await database.ScalarAsync<long>(
            "SELECT count(*) FROM ingestion.chunks WHERE file_id = $1 AND embedding_model = 'all-MiniLM-L6-v2'", Cancellation, oldFile));
    }

    [Theory]
    [InlineData("router", null, 384, "needs Embeddings:Model")]
    [InlineData("router", "text-embedding-3-small", 1536, "Embeddings:Dimensions is 1536, but ingestion.chunks.embedding holds vectors of 384")]
    [InlineData("local", null, 768, "Embeddings:Dimensions is 768")]
    [InlineData("openai", null, 384, "use 'local' or 'router'")]
    public void A_setting_the_column_cannot_take_stops_the_start_with_what_to_do(string provider, string? model, int dimensions, string message)
    {
        var result = new EmbeddingOptionsValidator().Validate(null, new EmbeddingOptions { Provider = provider, Model = model, Dimensions = dimensions });

        Assert.True(result.Failed);
        Assert.Contains(message, result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-1, false)]
    [InlineData(65, false)]
    [InlineData(0, true)]
    [InlineData(2, true)]
    public void The_local_models_threads_are_0_for_the_runtimes_default_up_to_64(int threads, bool accepted)
    {
        var result = new EmbeddingOptionsValidator().Validate(null, new EmbeddingOptions { IntraOpThreads = threads });

        Assert.Equal(accepted, result.Succeeded);
        if (!accepted)
        {
            Assert.Contains("Embeddings:IntraOpThreads must be between 0", result.FailureMessage, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_router_model_with_the_columns_dimensions_is_accepted_and_keyed_by_both()
    {
        var options = new EmbeddingOptions { Provider = "Router", Model = "text-embedding-3-small", Dimensions = 384 };

        Assert.True(new EmbeddingOptionsValidator().Validate(null, options).Succeeded);
        Assert.Equal("router:text-embedding-3-small:384", options.ModelKey);
    }

    private static async Task StoreAsync(RetrievalDatabase database, ChunkStore store, Guid file, string text, float[] vector)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync(Cancellation);
        await using var transaction = await connection.BeginTransactionAsync(Cancellation);
        Assert.True(await store.ReplaceAsync(transaction, file, [new EmbeddedChunk(new TextChunk(0, null, text, 10), vector)], Cancellation));
        await transaction.CommitAsync(Cancellation);
    }
}
