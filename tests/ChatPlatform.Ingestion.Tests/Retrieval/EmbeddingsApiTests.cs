using System.Net;
using System.Net.Http.Json;
using ChatPlatform.Ingestion.Retrieval;
using ChatPlatform.Testing;

namespace ChatPlatform.Ingestion.Tests.Retrieval;

/// <summary><c>POST /internal/embeddings</c>: the generator that embeds files, offered to other services (chat's search).</summary>
public sealed class EmbeddingsApiTests(PostgresFixture postgres, AzuriteFixture azurite) : IAsyncLifetime
{
    private ContextApiHost _host = null!;

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _host = await ContextApiHost.StartAsync(postgres, azurite, Cancellation);

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task A_service_gets_one_vector_a_text_in_order_with_the_model_key_and_paraphrases_come_close()
    {
        using var client = _host.Client(InternalTokens.Service());

        using var response = await client.PostAsJsonAsync(
            "/internal/embeddings", new { texts = new[] { "fixing my car", "automobile repair", "a recipe for lemon cake" } }, Cancellation);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = (await response.Content.ReadFromJsonAsync<EmbeddingsBody>(Cancellation))!;
        Assert.Equal(EmbeddingOptions.LocalModelKey, body.Model);
        Assert.Equal(3, body.Vectors.Length);
        Assert.All(body.Vectors, v => Assert.Equal(EmbeddingOptions.ColumnDimensions, v.Length));
        Assert.True(Cosine(body.Vectors[0], body.Vectors[1]) > Cosine(body.Vectors[0], body.Vectors[2]) + 0.2);
    }

    [Fact]
    public async Task Only_services_may_ask_and_bad_input_is_a_400()
    {
        using var anonymous = _host.Client(null);
        using var user = _host.Client(InternalTokens.User(Guid.NewGuid()));
        using var service = _host.Client(InternalTokens.Service());

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync("/internal/embeddings", new { texts = new[] { "a" } }, Cancellation)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await user.PostAsJsonAsync("/internal/embeddings", new { texts = new[] { "a" } }, Cancellation)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await service.PostAsJsonAsync("/internal/embeddings", new { texts = Array.Empty<string>() }, Cancellation)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await service.PostAsJsonAsync("/internal/embeddings", new { texts = Enumerable.Repeat("a", 65) }, Cancellation)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await service.PostAsJsonAsync("/internal/embeddings", new { texts = new[] { new string('a', 8_001) } }, Cancellation)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await service.PostAsJsonAsync("/internal/embeddings", new { texts = new string?[] { null } }, Cancellation)).StatusCode);
        using var content = new StringContent("{\"texts\":", System.Text.Encoding.UTF8, "application/json");
        Assert.Equal(HttpStatusCode.BadRequest, (await service.PostAsync("/internal/embeddings", content, Cancellation)).StatusCode);
    }

    private static double Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return dot / Math.Sqrt(na * nb);
    }

    private sealed record EmbeddingsBody(string Model, float[][] Vectors);
}
