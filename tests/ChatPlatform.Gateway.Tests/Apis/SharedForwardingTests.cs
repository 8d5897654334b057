using System.Net;
using System.Net.Http.Json;
using ChatPlatform.Gateway.Tests.Fakes;
using ChatPlatform.Testing;

namespace ChatPlatform.Gateway.Tests.Apis;

public sealed class SharedForwardingTests(PostgresFixture postgres, RedisFixture redis)
{
    private const string WebClientKey = "test-web-client-key-of-at-least-32-characters";
    private const string ShareId = "AAAAAAAAAAAAAAAAAAAAAA";

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_shared_read_goes_to_chat_for_nobody_when_signed_out_and_as_the_viewer_when_signed_in()
    {
        await using var chat = await FakeChatService.StartAsync();
        await using var host = await StartAsync(chat);
        var viewer = Guid.NewGuid();
        using var anonymous = WithAddress(host.CreateClient(), NewAddress());
        using var signedIn = WithAddress(host.CreateClient(TestTokens.Mint(viewer)), NewAddress());

        using var first = await anonymous.GetAsync($"/v1/shared/{ShareId}", Cancellation);
        using var second = await signedIn.GetAsync($"/v1/shared/{ShareId}", Cancellation);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        var received = chat.Requests.ToArray();
        Assert.Equal(2, received.Length);
        Assert.Equal($"/v1/shared/{ShareId}", received[0].PathAndQuery);
        Assert.Empty(received[0].UserIds);
        Assert.Equal("service", received[0].Role);
        Assert.Equal([viewer.ToString()], received[1].UserIds);
        Assert.Equal("user", received[1].Role);
        Assert.False(received[1].HadCredentials);
    }

    [Theory]
    [InlineData("GET", "/v1/shares")]
    [InlineData("PATCH", "/v1/shares/" + ShareId)]
    [InlineData("DELETE", "/v1/shares/" + ShareId)]
    [InlineData("POST", "/v1/shared/" + ShareId + "/continue")]
    [InlineData("POST", "/v1/conversations/00000000-0000-0000-0000-000000000001/share")]
    [InlineData("GET", "/v1/shared/" + ShareId + "/continue")]
    [InlineData("GET", "/v1/conversations")]
    public async Task Signed_out_nothing_but_the_shared_read_reaches_chat(string method, string path)
    {
        await using var chat = await FakeChatService.StartAsync();
        await using var host = await StartAsync(chat);
        using var anonymous = WithAddress(host.CreateClient(), NewAddress());

        using var response = await anonymous.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = JsonContent.Create(new { }) }, Cancellation);

        Assert.True(response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed, $"{response.StatusCode}");
        Assert.Empty(chat.Requests);
    }

    [Theory]
    [InlineData("..%2F..%2Fv1%2Fconversations")]
    [InlineData("a%2Fb")]
    [InlineData("has.dot")]
    [InlineData("LONG")]
    public async Task A_share_id_of_the_wrong_shape_answers_404_without_reaching_chat(string id)
    {
        await using var chat = await FakeChatService.StartAsync();
        await using var host = await StartAsync(chat);
        using var anonymous = WithAddress(host.CreateClient(), NewAddress());
        id = id == "LONG" ? new string('A', 65) : id;

        using var response = await anonymous.GetAsync($"/v1/shared/{id}", Cancellation);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Empty(chat.Requests);
    }

    [Fact]
    public async Task Shared_reads_are_limited_per_client_address_and_a_forged_address_does_not_escape_it()
    {
        await using var chat = await FakeChatService.StartAsync();
        await using var host = await StartAsync(chat, limit: 3);
        var address = NewAddress();
        using var walker = WithAddress(host.CreateClient(), address);
        using var forger = host.CreateClient();
        using var neighbour = WithAddress(host.CreateClient(), NewAddress());

        var answers = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            using var response = await walker.GetAsync($"/v1/shared/{Guid.NewGuid():N}", Cancellation);
            answers.Add(response.StatusCode);
            if (i == 3)
            {
                Assert.NotNull(response.Headers.RetryAfter);
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            }
        }
        // Without the web app's key, the address header is ignored: the caller counts as its connection, like the others.
        using var forged = new HttpRequestMessage(HttpMethod.Get, $"/v1/shared/{ShareId}");
        forged.Headers.Add("X-Web-Client-Address", NewAddress());
        forged.Headers.Add("X-Web-Client-Key", "wrong-key");
        for (var i = 0; i < 3; i++)
        {
            using var spent = await forger.GetAsync($"/v1/shared/{ShareId}", Cancellation);
        }
        using var forgedAnswer = await forger.SendAsync(forged, Cancellation);
        using var neighbourAnswer = await neighbour.GetAsync($"/v1/shared/{ShareId}", Cancellation);

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], answers);
        Assert.Equal(HttpStatusCode.TooManyRequests, forgedAnswer.StatusCode);
        Assert.Equal(HttpStatusCode.OK, neighbourAnswer.StatusCode);
        Assert.Equal(7, chat.Requests.Count); // the walker's three, the forger's three, the neighbour's one
    }

    private Task<GatewayHost> StartAsync(FakeChatService chat, int limit = 60) =>
        GatewayHost.StartAsync(postgres, redis, Upstream.Settings(chat.Address, more: new Dictionary<string, string?>
        {
            ["Auth:WebClientKey"] = WebClientKey,
            ["RateLimits:SharedReadsPerWindow"] = limit.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }));

    // A fresh address per client, so tests sharing Redis never share a window.
    private static string NewAddress() => new IPAddress(Guid.NewGuid().ToByteArray()).ToString();

    private static HttpClient WithAddress(HttpClient client, string address)
    {
        client.DefaultRequestHeaders.Add("X-Web-Client-Address", address);
        client.DefaultRequestHeaders.Add("X-Web-Client-Key", WebClientKey);
        return client;
    }
}
