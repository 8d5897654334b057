using ChatPlatform.Ingestion.Retrieval;
using Microsoft.Extensions.AI;
using ChatPlatform.Testing;

namespace ChatPlatform.Ingestion.Tests.Retrieval;

public sealed class HybridRetrieverTests(PostgresFixture postgres, EmbeddingModelFixture model) : IClassFixture<EmbeddingModelFixture>
{
    // A handbook of unrelated topics, the kind of document people attach; each test asks about one passage.
    private static readonly string[] Handbook =
    [
        "Returns: unopened items may be sent back within thirty days of delivery, and the full purchase price is refunded to the original card.",
        "Shipping: orders placed before noon leave the warehouse the same day; deliveries abroad take five to eight working days.",
        "Security: passwords must be at least twelve characters long and are rotated every ninety days for administrator accounts.",
        "Office hours: the support desk is staffed from eight in the morning until six in the evening, Monday to Friday.",
        "Travel: employees book flights through the travel portal, economy class for trips shorter than six hours.",
        "Parking: the garage under building B has forty spaces reserved for visitors and charging points for electric cars.",
        "Holidays: every employee has twenty-five days of paid leave a year, and unused days expire at the end of March.",
        "Equipment: laptops are replaced every four years; a broken screen is repaired by the IT service within two days.",
        "Expenses: receipts are scanned into the expense tool within a week; meals are reimbursed up to forty euros a day.",
        "Onboarding: new colleagues meet their mentor on the first day and finish the compliance training within a month.",
        "Die Kündigungsfrist beträgt drei Monate zum Quartalsende und muss schriftlich erklärt werden.",
        "Le télétravail est possible deux jours par semaine après accord du responsable d'équipe.",
    ];

    [Fact]
    public async Task A_paraphrased_question_finds_the_passage_that_answers_it_first()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var database = await RetrievalDatabase.CreateAsync(postgres, cancellationToken);
        var user = Guid.NewGuid();
        var file = await database.AddFileAsync(user, "handbook.pdf", cancellationToken: cancellationToken);
        await database.StoreTextsAsync(file, model.Generator, [.. Handbook.Select((text, i) => ((int?)(i + 1), text))], cancellationToken);

        var found = await SearchAsync(database, user, [file], "How long do I have to give a product back and get my money returned?", 5);

        Assert.StartsWith("Returns:", found[0].Text, StringComparison.Ordinal);
        Assert.Equal(1, found[0].Page);
        Assert.Equal(5, found.Count);
    }

    [Fact]
    public async Task An_exact_identifier_is_found_among_passages_that_mean_the_same()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var database = await RetrievalDatabase.CreateAsync(postgres, cancellationToken);
        var user = Guid.NewGuid();
        var file = await database.AddFileAsync(user, "HeaderParser.cs", cancellationToken: cancellationToken);
        string[] code =
        [
            "ParseHttpHeader reads one header line, splits it at the first colon and trims the value.",
            "ParseHttpHeaderV1 reads one header line, splits it at the first colon and keeps the value as sent.",
            "ParseHttpHeaderV2 reads one header line, splits it at the first colon and folds continuation lines.",
            "ParseHttpHeaderV3 reads one header line, splits it at the first colon and rejects obsolete folding.",
            .. Handbook,
        ];
        await database.StoreTextsAsync(file, model.Generator, [.. code.Select(text => ((int?)null, text))], cancellationToken);

        var found = await SearchAsync(database, user, [file], "What does ParseHttpHeaderV2 do?", 3);

        Assert.StartsWith("ParseHttpHeaderV2 ", found[0].Text, StringComparison.Ordinal);
        Assert.Null(found[0].Page);
    }

    [Fact]
    public async Task Words_are_found_as_written_in_any_language_whatever_their_case()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var database = await RetrievalDatabase.CreateAsync(postgres, cancellationToken);
        var user = Guid.NewGuid();
        var file = await database.AddFileAsync(user, "handbook.pdf", cancellationToken: cancellationToken);
        await database.StoreTextsAsync(file, model.Generator, [.. Handbook.Select(text => ((int?)null, text))], cancellationToken);

        var german = await SearchAsync(database, user, [file], "KÜNDIGUNGSFRIST", 1);
        var french = await SearchAsync(database, user, [file], "télétravail", 1);

        Assert.StartsWith("Die Kündigungsfrist", german[0].Text, StringComparison.Ordinal);
        Assert.StartsWith("Le télétravail", french[0].Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Another_users_files_are_never_returned_even_when_their_ids_are_given()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var database = await RetrievalDatabase.CreateAsync(postgres, cancellationToken);
        var (alice, mallory) = (Guid.NewGuid(), Guid.NewGuid());
        var alicesFile = await database.AddFileAsync(alice, "alice.txt", cancellationToken: cancellationToken);
        var mallorysFile = await database.AddFileAsync(mallory, "mallory.txt", cancellationToken: cancellationToken);
        await database.StoreTextsAsync(alicesFile, model.Generator, [(null, "Alice's salary is 91,000 euros; her ParseHttpHeaderV2 review is due.")], cancellationToken);
        await database.StoreTextsAsync(mallorysFile, model.Generator, [(null, "Mallory's shopping list: bread, milk, eggs.")], cancellationToken);

        var asMallory = await SearchAsync(database, mallory, [alicesFile], "Alice salary ParseHttpHeaderV2", 10);
        var asMalloryWithBoth = await SearchAsync(database, mallory, [alicesFile, mallorysFile], "Alice salary ParseHttpHeaderV2", 10);

        Assert.Empty(asMallory);
        Assert.All(asMalloryWithBoth, chunk => Assert.Equal(mallorysFile, chunk.FileId));
        Assert.Single(asMalloryWithBoth);
    }

    [Fact]
    public async Task Only_the_given_files_are_searched()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var database = await RetrievalDatabase.CreateAsync(postgres, cancellationToken);
        var user = Guid.NewGuid();
        var first = await database.AddFileAsync(user, "first.txt", cancellationToken: cancellationToken);
        var second = await database.AddFileAsync(user, "second.txt", cancellationToken: cancellationToken);
        await database.StoreTextsAsync(first, model.Generator, [.. Handbook[..6].Select(text => ((int?)null, text))], cancellationToken);
        await database.StoreTextsAsync(second, model.Generator, [.. Handbook[6..].Select(text => ((int?)null, text))], cancellationToken);

        var found = await SearchAsync(database, user, [second], "How long do I have to give a product back and get my money returned?", 20);

        Assert.Equal(6, found.Count);
        Assert.All(found, chunk => Assert.Equal(second, chunk.FileId));
    }

    [Fact]
    public async Task The_exact_search_and_the_index_rank_the_same_chunks()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var database = await RetrievalDatabase.CreateAsync(postgres, cancellationToken);
        var user = Guid.NewGuid();
        var file = await database.AddFileAsync(user, "handbook.txt", cancellationToken: cancellationToken);
        await database.StoreTextsAsync(file, model.Generator, [.. Handbook.Select(text => ((int?)null, text))], cancellationToken);
        const string Query = "How long do I have to give a product back and get my money returned?";
        var embedding = await model.Generator.GenerateVectorAsync(Query, cancellationToken: cancellationToken);

        var exact = await new HybridRetriever(database.DataSource).SearchAsync(user, [file], Query, embedding, 5, cancellationToken);
        var indexed = await new HybridRetriever(database.DataSource, exactSearchMaxChunks: 0).SearchAsync(user, [file], Query, embedding, 5, cancellationToken);

        Assert.Equal(5, exact.Count);
        Assert.Equal(exact.Select(c => (c.Ordinal, c.Text)), indexed.Select(c => (c.Ordinal, c.Text)));
    }

    [Fact]
    public async Task A_token_budget_takes_the_best_chunks_that_fit_and_reads_only_their_text()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var database = await RetrievalDatabase.CreateAsync(postgres, cancellationToken);
        var user = Guid.NewGuid();
        var file = await database.AddFileAsync(user, "handbook.txt", cancellationToken: cancellationToken);
        await database.StoreTextsAsync(file, model.Generator, [.. Handbook.Select(text => ((int?)null, text))], cancellationToken);
        const string Query = "How long do I have to give a product back and get my money returned?";
        var embedding = await model.Generator.GenerateVectorAsync(Query, cancellationToken: cancellationToken);
        var retriever = new HybridRetriever(database.DataSource);
        var ranked = await retriever.SearchAsync(user, [file], Query, embedding, 20, cancellationToken);
        // Room for the best chunk and then only for chunks smaller than the second best.
        var budget = ranked[0].Tokens + ranked[1].Tokens - 1;

        var chosen = await retriever.SearchAsync(user, [file], Query, Task.FromResult(embedding), 20, budget, cancellationToken);

        Assert.Equal(ranked[0].Ordinal, chosen[0].Ordinal);
        Assert.DoesNotContain(chosen, c => c.Ordinal == ranked[1].Ordinal);
        Assert.True(chosen.Sum(c => c.Tokens) <= budget);
        var expected = new List<int>();
        var left = budget;
        foreach (var chunk in ranked)
        {
            if (chunk.Tokens <= left)
            {
                expected.Add(chunk.Ordinal);
                left -= chunk.Tokens;
            }
        }
        Assert.Equal(expected, chosen.Select(c => c.Ordinal));
        Assert.All(chosen, c => Assert.Equal(ranked.Single(r => r.Ordinal == c.Ordinal).Text, c.Text));
    }

    [Fact]
    public void Fusion_adds_the_reciprocal_ranks_of_both_lists()
    {
        var file = Guid.NewGuid();
        RetrievedChunk Chunk(int ordinal) => new(file, ordinal, null, $"chunk {ordinal}", 1, 0);

        var fused = HybridRetriever.Fuse([Chunk(1), Chunk(2), Chunk(3)], [Chunk(3), Chunk(4)], 3);

        // 3 is third by words and first by meaning: 1/63 + 1/61 beats 1's 1/61 alone; 2 and 4 tie at 1/62, and the
        // earlier one in the document wins.
        Assert.Equal([3, 1, 2], fused.Select(c => c.Ordinal));
        Assert.Equal(1.0 / 63 + 1.0 / 61, fused[0].Score, 12);
        Assert.Equal(1.0 / 61, fused[1].Score, 12);
    }

    private async Task<IReadOnlyList<RetrievedChunk>> SearchAsync(RetrievalDatabase database, Guid user, Guid[] files, string query, int limit)
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var embedding = await model.Generator.GenerateVectorAsync(query, cancellationToken: cancellationToken);
        return await new HybridRetriever(database.DataSource).SearchAsync(user, files, query, embedding, limit, cancellationToken);
    }
}
