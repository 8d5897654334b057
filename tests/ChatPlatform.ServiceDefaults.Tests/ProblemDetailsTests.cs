using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ChatPlatform.ServiceDefaults.Tests;

public sealed class ProblemDetailsTests : IAsyncLifetime
{
    private sealed record Item(string Name, int Count);

    private sealed record Order(IReadOnlyList<Item> Items, Dictionary<string, string>? Notes = null);

    private ServiceHost _service = null!;

    public async ValueTask InitializeAsync() => _service = await ServiceHost.StartAsync(null, app =>
    {
        app.MapPost("/items", (Item item) => Results.Ok(item));
        app.MapPost("/orders", (Order order) => Results.Ok(order));
        app.MapGet("/items/{name}", (string name, string? filter) => Results.Ok(new { name, filter }));
        app.MapGet("/boom", string () => throw new InvalidOperationException("secret connection string Password=hunter2"));
    });

    public ValueTask DisposeAsync() => _service.DisposeAsync();

    private static async Task<JsonElement> ReadProblemAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
    }

    private Task<HttpResponseMessage> PostRawAsync(string json) => _service.Client.PostAsync(
        new Uri("/items", UriKind.Relative), new StringContent(json, System.Text.Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

    [Fact]
    public async Task Malformed_json_is_a_400_problem_that_says_so()
    {
        using var response = await PostRawAsync("{\"name\": \"a\", ");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await ReadProblemAsync(response);
        Assert.Equal(400, problem.GetProperty("status").GetInt32());
        Assert.Contains("JSON", problem.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("traceId").GetString()));
    }

    [Fact]
    public async Task A_wrong_type_is_a_400_problem_naming_the_field()
    {
        using var response = await PostRawAsync("{\"name\": \"a\", \"count\": \"many\"}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await ReadProblemAsync(response);
        Assert.Contains("count", problem.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task An_unknown_route_is_a_404_problem()
    {
        using var response = await _service.Client.GetAsync(new Uri("/nothing-here", UriKind.Relative), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var problem = await ReadProblemAsync(response);
        Assert.Equal(404, problem.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task An_unexpected_failure_is_a_500_problem_that_reveals_nothing()
    {
        using var response = await _service.Client.GetAsync(new Uri("/boom", UriKind.Relative), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain("hunter2", body, StringComparison.Ordinal);
        Assert.DoesNotContain("InvalidOperationException", body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/items", """{"name": "a\u0000b", "count": 1}""", "name")]
    [InlineData("/orders", """{"items": [{"name": "a", "count": 1}, {"name": "\u0000", "count": 2}]}""", "items[1].name")]
    [InlineData("/orders", """{"items": [], "notes": {"x\u0000": "y"}}""", "notes.x")]
    public async Task A_nul_character_in_a_json_string_is_a_400_problem_naming_the_field(string path, string json, string field)
    {
        using var response = await _service.Client.PostAsync(new Uri(path, UriKind.Relative),
            new StringContent(json, System.Text.Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await ReadProblemAsync(response);
        Assert.StartsWith($"'{field}' contains a NUL character", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Array, problem.GetProperty("errors").GetProperty(field).ValueKind);
    }

    [Fact]
    public async Task A_nul_character_in_the_query_is_a_400_problem_naming_the_parameter()
    {
        using var response = await _service.Client.GetAsync(new Uri("/items/a?filter=x%00", UriKind.Relative), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await ReadProblemAsync(response);
        Assert.StartsWith("'filter' contains a NUL character", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_nul_character_in_the_path_is_a_400()
    {
        // Kestrel refuses it before any middleware; under other servers the same middleware as the query's does.
        using var response = await _service.Client.GetAsync(new Uri("/items/a%00b", UriKind.Relative), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task A_lone_surrogate_is_a_400_problem()
    {
        using var response = await PostRawAsync("""{"name": "a\ud800", "count": 1}""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(400, (await ReadProblemAsync(response)).GetProperty("status").GetInt32());
    }

    // The fuzz suite found these as 500s: any charset but the plain "utf-8" made the framework transcode the body, and the
    // transcoding reader failed on an empty name, a byte-order mark or a cut body.
    [Theory]
    [InlineData("application/json; charset=", "{\"name\":\"a\",\"count\":3}", 200)]
    [InlineData("application/json; charset=\"utf-8\"", "{\"name\":\"a\",\"count\":3}", 200)]
    [InlineData("application/json; charset=UTF8", "{\"name\":\"a\",\"count\":3}", 200)]
    [InlineData("application/json; charset=\"utf-8\"", "\uFEFF{\"name\":\"a\",\"count\":3}", 200)]
    [InlineData("application/json; charset=", "{\"name\":\"a\",\"co", 400)]
    [InlineData("application/json; charset=\"utf-8\"", "{\"name\":", 400)]
    [InlineData("application/json; charset=latin1", "{\"name\":\"a\",\"count\":3}", 415)]
    [InlineData("application/json; charset=utf-16", "{\"name\":\"a\",\"count\":3}", 415)]
    [InlineData("application/json; charset=klingon", "{}", 415)]
    public async Task A_body_is_read_as_utf8_whatever_spelling_of_it_the_charset_has_and_any_other_is_a_415(
        string contentType, string body, int status)
    {
        using var content = new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes(body));
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);

        using var response = await _service.Client.PostAsync(new Uri("/items", UriKind.Relative), content, TestContext.Current.CancellationToken);

        Assert.Equal(status, (int)response.StatusCode);
        if (status != 200)
        {
            Assert.Equal(status, (await ReadProblemAsync(response)).GetProperty("status").GetInt32());
        }
    }

    // The fuzz suite found GET /v1/ws with "Accept: application/xml" answering 500 with no body: the framework's writer
    // declined, and IProblemDetailsService.WriteAsync threw.
    [Fact]
    public async Task A_client_that_accepts_only_xml_still_gets_its_problem_as_json()
    {
        using var content = new StringContent("{}", System.Text.Encoding.UTF8);
        content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse("application/json; charset=klingon");
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/items", UriKind.Relative)) { Content = content };
        request.Headers.Accept.ParseAdd("application/xml");

        using var response = await _service.Client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await ReadProblemAsync(response);
        Assert.Equal(415, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("traceId").GetString()));
    }

    [Fact]
    public async Task Valid_input_still_works()
    {
        using var response = await _service.Client.PostAsJsonAsync(
            new Uri("/items", UriKind.Relative), new { name = "a", count = 2 }, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, (await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("count").GetInt32());
    }
}
