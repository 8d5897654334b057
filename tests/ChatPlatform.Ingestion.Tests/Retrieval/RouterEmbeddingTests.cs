using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using ChatPlatform.Ingestion.Retrieval;
using ChatPlatform.Ingestion.Tests.Apis;
using ChatPlatform.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace ChatPlatform.Ingestion.Tests.Retrieval;

/// <summary><c>Embeddings:Provider=router</c>: the service embeds through a (fake) model router.</summary>
[Collection(nameof(FilesCollection))]
public sealed class RouterEmbeddingTests(PostgresFixture postgres, AzuriteFixture azurite)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    private static readonly string[] Topics =
    [
        "alpacas graze on the high plateau", "the invoice is due at the end of march", "passwords rotate every ninety days",
        "the garage has forty visitor spaces", "laptops are replaced every four years", "meals are reimbursed up to forty euros",
    ];

    private Task<IngestionHost> StartAsync(FakeModelRouter router) => IngestionHost.StartAsync(postgres, azurite, new Dictionary<string, string>
    {
        ["Processing:Enabled"] = "true",
        ["Processing:EmbeddingBatchSize"] = "2",
        ["Embeddings:Provider"] = "router",
        ["Embeddings:Model"] = "fake-embed",
        ["Embeddings:Dimensions"] = "384",
        ["services:model-router:http:0"] = router.BaseAddress.ToString(),
    });

    [Fact]
    public async Task A_file_is_embedded_through_the_router_in_batches_with_a_service_token_retried_after_a_503_and_a_429()
    {
        await using var router = await FakeModelRouter.StartAsync(Cancellation);
        router.FailNext(503, 429);
        await using var host = await StartAsync(router);
        var userId = Guid.NewGuid();
        var client = host.ClientFor(userId);
        // About 900 characters a topic: a chunk (about 800) each, or nearly.
        var text = string.Join("\n\n", Topics.Select(topic => string.Join(". ", Enumerable.Repeat(topic, 25)) + "."));

        var id = await UploadAsync(client, Encoding.UTF8.GetBytes(text), "notes.txt");
        var file = await WaitForReadyAsync(client, id);

        var chunks = file["chunks"]!.GetValue<int>();
        Assert.True(chunks >= 4, $"{chunks} chunks");
        var calls = router.Calls;
        Assert.Equal([503, 429], calls.Take(2).Select(c => c.Failure));
        Assert.Equal(chunks, calls.Where(c => c.Failure is null).Sum(c => c.Inputs.Count));
        Assert.Equal((chunks + 1) / 2 + 2, calls.Count);
        Assert.All(calls, c => Assert.InRange(c.Inputs.Count, 1, 2));
        Assert.All(calls, c => Assert.Equal(("fake-embed", 384, "service"), (c.Model, c.Dimensions, c.Role)));
        Assert.Equal(chunks, await host.CountAsync(
            "SELECT count(*) FROM ingestion.chunks WHERE file_id = $1 AND embedding_model = 'router:fake-embed:384'", id));
        var first = (string)(await host.ScalarAsync("SELECT text FROM ingestion.chunks WHERE file_id = $1 AND ordinal = 0", id))!;
        var distance = (double)(await host.ScalarAsync(
            "SELECT embedding <=> $2::vector FROM ingestion.chunks WHERE file_id = $1 AND ordinal = 0", id, Literal(FakeModelRouter.Vector(first))))!;
        Assert.InRange(distance, 0, 1e-5);
        // What the router charged is billed with the file's chunks: one entry for its one deployment, the failures free.
        Assert.Equal($"embedding|{id}|complete|fake-embed|{FakeModelRouter.Deployment}|simulator|{chunks * 10}|0|false|{chunks * FakeModelRouter.CostPerInput}",
            await host.ScalarAsync("""
                SELECT string_agg(concat_ws('|', payload->>'source', payload->>'fileId', payload->>'status', payload->>'model',
                    payload->>'deployment', payload->>'provider', payload->>'inputTokens', payload->>'outputTokens', payload->>'estimated',
                    payload->>'costUsd'), ';')
                FROM events.events WHERE type = 'usage.recorded' AND key = $1
                """, userId.ToString()));
    }

    [Fact]
    public async Task A_question_is_embedded_through_the_router_and_finds_its_passage_by_meaning()
    {
        await using var router = await FakeModelRouter.StartAsync(Cancellation);
        await using var host = await StartAsync(router);
        var generator = host.Services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();

        var vectors = await generator.GenerateAsync(["alpacas graze on the plateau", "  ", "passwords rotate"], cancellationToken: Cancellation);

        Assert.IsType<RouterEmbeddingGenerator>(generator);
        Assert.Equal(3, vectors.Count);
        Assert.Equal(FakeModelRouter.Vector("alpacas graze on the plateau"), vectors[0].Vector.ToArray());
        Assert.Equal(FakeModelRouter.Vector("."), vectors[1].Vector.ToArray());
        Assert.Equal(30, vectors.Usage?.InputTokenCount);
        // Batches of two: three texts are two calls.
        Assert.Equal([2, 1], router.Calls.Select(c => c.Inputs.Count));
    }

    [Fact]
    public async Task A_router_that_refuses_the_model_fails_the_call_with_its_reason()
    {
        await using var router = await FakeModelRouter.StartAsync(Cancellation);
        router.FailNext(400);
        await using var host = await StartAsync(router);
        var generator = host.Services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => generator.GenerateAsync(["a"], cancellationToken: Cancellation));

        Assert.Equal(HttpStatusCode.BadRequest, error.StatusCode);
        Assert.Contains("All deployments are busy.", error.Message, StringComparison.Ordinal);
        Assert.Single(router.Calls);
    }

    private static string Literal(float[] vector) => "[" + string.Join(",", vector.Select(v => v.ToString("R", CultureInfo.InvariantCulture))) + "]";

    private static async Task<Guid> UploadAsync(HttpClient client, byte[] bytes, string name)
    {
        var created = await client.PostAsync("/v1/files", Samples.Upload(bytes, name), Cancellation);
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync(Cancellation));
        return (await created.Content.ReadFromJsonAsync<JsonObject>(Cancellation))!["id"]!.GetValue<Guid>();
    }

    private static async Task<JsonObject> WaitForReadyAsync(HttpClient client, Guid id)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Cancellation);
        deadline.CancelAfter(TimeSpan.FromSeconds(90));
        while (true)
        {
            var file = (await client.GetFromJsonAsync<JsonObject>($"/v1/files/{id}", deadline.Token))!;
            var current = file["status"]!.GetValue<string>();
            if (current == "ready")
            {
                return file;
            }
            Assert.True(current is "pending" or "processing", $"the file ended {current}: {file["error"]}");
            await Task.Delay(100, deadline.Token);
        }
    }
}
