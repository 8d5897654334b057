using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using ChatPlatform.Gateway.Tests.Fakes;
using ChatPlatform.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace ChatPlatform.Gateway.Tests.Apis;

public sealed class ForwardingApiTests(PostgresFixture postgres, RedisFixture redis)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(false, "HTTP/1.1")]
    [InlineData(true, "HTTP/2")]
    public async Task Forwarding_sets_the_user_id_from_the_token_and_ignores_a_forged_one(bool http2Only, string protocol)
    {
        await using var chat = await FakeChatService.StartAsync(http2Only);
        await using var host = await GatewayHost.StartAsync(postgres, redis, Upstream.Settings(chat.Address, chatHttp2Only: http2Only));
        var userId = Guid.NewGuid();
        var client = host.CreateClient(TestTokens.Mint(userId));
        using var request = new HttpRequestMessage(HttpMethod.Patch, "/v1/conversations/abc/messages?limit=5&before=x")
        {
            Content = new StringContent("""{"title":"renamed"}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-User-Id", Guid.NewGuid().ToString());

        var response = await client.SendAsync(request, Cancellation);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("chat", response.Headers.GetValues("X-Echo").Single());
        var received = Assert.Single(chat.Requests);
        Assert.Equal("PATCH", received.Method);
        Assert.Equal("/v1/conversations/abc/messages?limit=5&before=x", received.PathAndQuery);
        Assert.Equal([userId.ToString()], received.UserIds);
        Assert.False(received.HadCredentials);
        Assert.Equal("""{"title":"renamed"}""", received.Body);
        Assert.Equal(protocol, received.Protocol);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_turn_stream_reaches_the_client_event_by_event_while_chat_holds_the_rest(bool chatHttp2Only)
    {
        await using var chat = await FakeChatService.StartAsync(chatHttp2Only);
        await using var host = await GatewayHost.StartKestrelAsync(postgres, redis, Upstream.Settings(chat.Address, chatHttp2Only: chatHttp2Only));
        using var client = new HttpClient { BaseAddress = host.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestTokens.Mint(Guid.NewGuid()));

        using var response = await client.SendAsync(
            new HttpRequestMessage(HttpMethod.Post, $"/v1/conversations/{Guid.NewGuid()}/turns") { Content = JsonContent.Create(new { content = "hi" }) },
            HttpCompletionOption.ResponseHeadersRead, Cancellation);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        await using var events = Upstream.ReadEvents(await response.Content.ReadAsStreamAsync(Cancellation), Cancellation);

        // The fake has not been released: this event can only arrive if nothing on the way buffers.
        var first = await Upstream.NextEventAsync(events).WaitAsync(TimeSpan.FromSeconds(10), Cancellation);
        Assert.False(chat.ReleaseTurns.Task.IsCompleted);
        Assert.Equal("1", first!.Value.EventId);
        Assert.Equal("turn.started", first.Value.EventType);

        chat.ReleaseTurns.SetResult();
        var delta = await Upstream.NextEventAsync(events);
        var done = await Upstream.NextEventAsync(events);
        Assert.Equal("delta", delta!.Value.EventType);
        Assert.Equal("done", done!.Value.EventType);
        Assert.Contains("echo: hi", done.Value.Data);
        Assert.Null(await Upstream.NextEventAsync(events));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_client_that_goes_away_cancels_the_upstream_request(bool chatHttp2Only)
    {
        await using var chat = await FakeChatService.StartAsync(chatHttp2Only);
        await using var host = await GatewayHost.StartKestrelAsync(postgres, redis, Upstream.Settings(chat.Address, chatHttp2Only: chatHttp2Only));
        using var client = new HttpClient { BaseAddress = host.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestTokens.Mint(Guid.NewGuid()));
        var response = await client.SendAsync(
            new HttpRequestMessage(HttpMethod.Post, $"/v1/conversations/{Guid.NewGuid()}/turns") { Content = JsonContent.Create(new { content = "hi" }) },
            HttpCompletionOption.ResponseHeadersRead, Cancellation);
        var events = Upstream.ReadEvents(await response.Content.ReadAsStreamAsync(Cancellation), Cancellation);
        Assert.NotNull(await Upstream.NextEventAsync(events));

        await events.DisposeAsync();
        response.Dispose();
        client.Dispose();

        await chat.TurnAborted.Task.WaitAsync(TimeSpan.FromSeconds(10), Cancellation);
        Assert.False(chat.ReleaseTurns.Task.IsCompleted);
    }

    [Fact]
    public async Task Answers_an_h2c_upstream_gives_before_reading_the_body_reach_the_client_whole()
    {
        // Like chat refusing a wrong content type: it answers at once, unread body and all, and Kestrel then resets the
        // HTTP/2 stream, which fails (and cancels) the gateway's copy of the body after the answer has gone through. The
        // client keeps one connection pool, so a connection closed under a kept-alive answer shows on its next request.
        await using var chat = await LoopbackHttpServer.StartAsync(
            builder => builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureEndpointDefaults(endpoint => endpoint.Protocols = HttpProtocols.Http2)),
            app => app.MapPost("/v1/conversations/{**path}", () => TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, detail: "Send application/json.")),
            Cancellation);
        await using var host = await GatewayHost.StartKestrelAsync(
            postgres, redis, Upstream.Settings(chat.BaseAddress.ToString().TrimEnd('/'), chatHttp2Only: true));
        using var client = new HttpClient { BaseAddress = host.BaseAddress };
        var body = new string('x', 256 * 1024);
        var failures = new ConcurrentQueue<string>();

        await Parallel.ForAsync(0, 200, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = Cancellation }, async (_, cancellationToken) =>
        {
            try
            {
                // A user each, so the turn limit stays out of the way.
                using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/conversations/{Guid.NewGuid()}/turns")
                {
                    Content = new StringContent(body, Encoding.UTF8, "text/plain"),
                    Headers = { Authorization = new AuthenticationHeaderValue("Bearer", TestTokens.Mint(Guid.NewGuid())) },
                };
                using var response = await client.SendAsync(request, cancellationToken);
                var text = await response.Content.ReadAsStringAsync(cancellationToken);
                if (response.StatusCode != HttpStatusCode.UnsupportedMediaType || !text.Contains("Send application/json.", StringComparison.Ordinal))
                {
                    failures.Enqueue($"{(int)response.StatusCode}: {text}");
                }
            }
            catch (HttpRequestException exception)
            {
                failures.Enqueue(exception.InnerException?.Message ?? exception.Message);
            }
        });

        Assert.True(failures.IsEmpty, $"{failures.Count} of 200 failed, e.g. {failures.FirstOrDefault()}");
    }

    [Theory]
    [InlineData("GET", "/v1/folders")]
    [InlineData("POST", "/v1/folders")]
    [InlineData("PATCH", "/v1/folders/0193a1b2-0000-7000-8000-000000000009")]
    [InlineData("DELETE", "/v1/folders/0193a1b2-0000-7000-8000-000000000009")]
    [InlineData("GET", "/v1/tags")]
    [InlineData("GET", "/v1/search?q=%22client%20factory%22%20-draft&folder=none&archived=true")]
    [InlineData("POST", "/v1/conversations/bulk")]
    [InlineData("GET", "/v1/conversations?folder=none&tag=work&starred=true&archived=false")]
    public async Task Organising_routes_reach_chat_for_the_signed_in_user_only(string method, string path)
    {
        await using var chat = await FakeChatService.StartAsync(false);
        await using var host = await GatewayHost.StartAsync(postgres, redis, Upstream.Settings(chat.Address));
        var userId = Guid.NewGuid();
        var client = host.CreateClient(TestTokens.Mint(userId));
        var anonymous = host.CreateClient();
        HttpRequestMessage Request() => new(new HttpMethod(method), path)
        {
            Content = method is "POST" or "PATCH" ? new StringContent("""{"name":"Work"}""", Encoding.UTF8, "application/json") : null,
        };

        using var refused = await anonymous.SendAsync(Request(), Cancellation);
        Assert.Empty(chat.Requests);
        using var response = await client.SendAsync(Request(), Cancellation);

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var received = Assert.Single(chat.Requests);
        Assert.Equal(method, received.Method);
        Assert.Equal(path, received.PathAndQuery);
        Assert.Equal([userId.ToString()], received.UserIds);
    }

    [Fact]
    public async Task An_unreachable_chat_service_answers_502_problem_details()
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis, Upstream.Settings(chat: $"http://127.0.0.1:{ClosedPort()}"));
        var client = host.CreateClient(TestTokens.Mint(Guid.NewGuid()));

        var response = await client.GetAsync("/v1/conversations", Cancellation);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<Microsoft.AspNetCore.Mvc.ProblemDetails>(Cancellation);
        Assert.Equal(502, problem!.Status);
        Assert.Contains("chat", problem.Detail);
    }

    public static TheoryData<string> BadTokens => ["expired", "tampered", "alg-none", "wrong-audience", "revoked-api-key", "unknown-api-key"];

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task A_bad_credential_on_a_forwarded_route_answers_401_and_forwards_nothing(string kind)
    {
        await using var chat = await FakeChatService.StartAsync();
        await using var host = await GatewayHost.StartAsync(postgres, redis, Upstream.Settings(chat.Address));
        var userId = Guid.NewGuid();
        var valid = TestTokens.Mint(userId);
        var parts = valid.Split('.');
        var credential = kind switch
        {
            "expired" => TestTokens.Mint(userId, issuedAt: DateTime.UtcNow.AddMinutes(-20), expires: DateTime.UtcNow.AddMinutes(-5)),
            "tampered" => $"{parts[0]}.{parts[1]}.{(parts[2][0] == 'A' ? 'B' : 'A')}{parts[2][1..]}",
            "alg-none" => TestTokens.Unsigned(userId),
            "wrong-audience" => TestTokens.Mint(userId, audience: "someone-else"),
            "revoked-api-key" => await RevokedApiKeyAsync(host),
            _ => "cp_" + new string('x', 40),
        };

        var response = await host.CreateClient(credential).GetAsync("/v1/conversations", Cancellation);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Empty(chat.Requests);
        // Neither the challenge nor the body repeats the JWT handler's exception text (IDX10...).
        var said = string.Join(" ", response.Headers.WwwAuthenticate) + await response.Content.ReadAsStringAsync(Cancellation);
        Assert.DoesNotContain("IDX", said, StringComparison.Ordinal);
        Assert.DoesNotContain("error_description", said, StringComparison.Ordinal);
        // The same route with a good token is forwarded: the refusal above is the credential's.
        Assert.Equal(HttpStatusCode.OK, (await host.CreateClient(valid).GetAsync("/v1/conversations", Cancellation)).StatusCode);
    }

    [Theory]
    [InlineData("CONNECT", "/v1/conversations", null, null, 405)]
    [InlineData("TRACE", "/v1/conversations/x", null, null, 405)]
    [InlineData("CONNECT", "/v1/admin/deployments", null, null, 405)]
    [InlineData("POST", "/v1/conversations", "application/json; charset=klingon", "{}", 415)]
    [InlineData("POST", "/v1/api-keys", "application/json; charset=klingon", """{"name":"x"}""", 415)]
    [InlineData("POST", "/v1/auth/signin", "application/json; charset=\"klingon\"", "{}", 415)]
    [InlineData("POST", "/v1/api-keys", "application/json", """{"name": 12}""", 400)]
    [InlineData("POST", "/v1/api-keys", "application/json", """{"name": """, 400)]
    [InlineData("DELETE", "/v1/api-keys/not-a-guid", null, null, 404)]
    public async Task Odd_methods_charsets_and_bodies_answer_4xx_that_name_no_internals(
        string method, string path, string? contentType, string? body, int status)
    {
        await using var chat = await FakeChatService.StartAsync();
        await using var host = await GatewayHost.StartAsync(postgres, redis, Upstream.Settings(chat.Address));
        var client = host.CreateClient((await host.RegisterAsync()).AccessToken);
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
            request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }

        var response = await client.SendAsync(request, Cancellation);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Empty(chat.Requests);
        var text = await response.Content.ReadAsStringAsync(Cancellation);
        foreach (var leak in new[] { "System.", "Exception", "CreateApiKeyRequest", "SignInRequest", "LineNumber", "BytePosition" })
        {
            Assert.DoesNotContain(leak, text, StringComparison.Ordinal);
        }
        if (status == 400)
        {
            Assert.Contains("not valid JSON", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task An_oversized_body_answers_413_and_forwards_nothing()
    {
        await using var chat = await FakeChatService.StartAsync();
        await using var host = await GatewayHost.StartKestrelAsync(postgres, redis, Upstream.Settings(chat.Address));
        using var client = new HttpClient { BaseAddress = host.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestTokens.Mint(Guid.NewGuid()));
        var body = $$"""{"content":"{{new string('a', 1024 * 1024)}}"}""";

        var response = await client.PostAsync(
            $"/v1/conversations/{Guid.NewGuid()}/turns", new StringContent(body, Encoding.UTF8, "application/json"), Cancellation);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Empty(chat.Requests);
    }

    [Fact]
    public async Task An_oversized_chunked_body_answers_413_and_chat_never_gets_a_whole_request()
    {
        await using var chat = await FakeChatService.StartAsync();
        await using var host = await GatewayHost.StartKestrelAsync(postgres, redis, Upstream.Settings(chat.Address));
        using var client = new HttpClient { BaseAddress = host.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestTokens.Mint(Guid.NewGuid()));
        // No Content-Length: the limit can only be found while the body streams through.
        var content = new ChunkedContent(2 * 1024 * 1024);

        var response = await client.PostAsync($"/v1/conversations/{Guid.NewGuid()}/turns", content, Cancellation);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Empty(chat.Requests);
    }

    [Fact]
    public async Task Admin_routes_reach_the_model_router_for_admins_only_and_models_for_everyone()
    {
        await using var router = await FakeModelRouter.StartAsync();
        await using var host = await GatewayHost.StartAsync(postgres, redis, Upstream.Settings(modelRouter: router.Address));
        var user = host.CreateClient(TestTokens.Mint(Guid.NewGuid()));
        var adminId = Guid.NewGuid();
        var admin = host.CreateClient(TestTokens.Mint(adminId, role: "admin"));

        var refused = await user.GetAsync("/v1/admin/models", Cancellation);
        var models = await user.GetAsync("/v1/models", Cancellation);
        var model = await user.GetAsync("/v1/models/sim-fast", Cancellation);
        var allowed = await admin.GetAsync("/v1/admin/deployments/d1", Cancellation);

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, models.StatusCode);
        Assert.Equal(HttpStatusCode.OK, model.StatusCode);
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Equal(
            [("GET", "/v1/models"), ("GET", "/v1/models/sim-fast"), ("GET", "/v1/admin/deployments/d1")],
            router.Calls.Select(c => (c.Method, c.Path)).ToArray());
        Assert.Equal(adminId.ToString(), router.Calls.Last().UserId);
    }

    private static async Task<string> RevokedApiKeyAsync(GatewayHost host)
    {
        var tokens = await host.RegisterAsync();
        var client = host.CreateClient(tokens.AccessToken);
        var created = await (await client.PostAsJsonAsync("/v1/api-keys", new { name = "k" }, Cancellation))
            .Content.ReadFromJsonAsync<ChatPlatform.Gateway.Model.CreatedApiKey>(Cancellation);
        (await client.DeleteAsync($"/v1/api-keys/{created!.Id}", Cancellation)).EnsureSuccessStatusCode();
        return created.Key;
    }

    internal static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A body of zeros sent chunked: its length is not known up front.</summary>
    private sealed class ChunkedContent(int size) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context) =>
            stream.WriteAsync(new byte[size]).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
