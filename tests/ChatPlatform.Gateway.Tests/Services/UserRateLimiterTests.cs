using System.Net;
using System.Net.Http.Json;
using ChatPlatform.Gateway.Tests.Apis;
using ChatPlatform.Gateway.Tests.Fakes;
using ChatPlatform.Testing;

namespace ChatPlatform.Gateway.Tests.Services;

public sealed class UserRateLimiterTests(PostgresFixture postgres, RedisFixture redis)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Two_gateways_sharing_one_redis_admit_exactly_the_limit_of_concurrent_requests()
    {
        await using var chat = await FakeChatService.StartAsync();
        var settings = Upstream.Settings(chat.Address, more: new Dictionary<string, string?> { ["RateLimits:Tiers:free:RequestsPerMinute"] = "10" });
        await using var first = await GatewayHost.StartAsync(postgres, redis, settings);
        await using var second = await GatewayHost.StartAsync(postgres, redis, settings);
        var token = TestTokens.Mint(Guid.NewGuid());
        HttpClient[] clients = [first.CreateClient(token), second.CreateClient(token)];
        // Both instances ready (connected to Redis); /health requires no user, so it counts against nothing.
        foreach (var client in clients)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health", Cancellation)).StatusCode);
        }

        var responses = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => clients[i % 2].GetAsync($"/v1/conversations/{i}", Cancellation)));

        Assert.Equal(10, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.Equal(30, responses.Count(r => r.StatusCode == HttpStatusCode.TooManyRequests));
        Assert.Equal(10, chat.Requests.Count);
        foreach (var refused in responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests))
        {
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            Assert.InRange(refused.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, 60);
            Assert.Equal("10", Header(refused, "RateLimit-Limit"));
            Assert.Equal("0", Header(refused, "RateLimit-Remaining"));
            Assert.InRange(long.Parse(Header(refused, "RateLimit-Reset")), 1, 60);
        }
        // Admitted answers carry the headers too; between them they count the window down from 9 to 0.
        var remaining = responses.Where(r => r.StatusCode == HttpStatusCode.OK).Select(r => int.Parse(Header(r, "RateLimit-Remaining"))).Order();
        Assert.Equal(Enumerable.Range(0, 10), remaining);
    }

    [Fact]
    public async Task The_window_slides_a_refused_caller_is_admitted_again_once_the_oldest_call_leaves_it()
    {
        await using var chat = await FakeChatService.StartAsync();
        await using var host = await GatewayHost.StartAsync(postgres, redis, Upstream.Settings(chat.Address, more: new Dictionary<string, string?>
        {
            ["RateLimits:WindowSeconds"] = "2",
            ["RateLimits:Tiers:free:RequestsPerMinute"] = "3",
        }));
        var client = host.CreateClient(TestTokens.Mint(Guid.NewGuid()));

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/conversations", Cancellation)).StatusCode);
        }
        var refused = await client.GetAsync("/v1/conversations", Cancellation);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        var retryAfter = refused.Headers.RetryAfter!.Delta!.Value;
        Assert.InRange(retryAfter.TotalSeconds, 1, 2);

        await Task.Delay(retryAfter, Cancellation);

        var admitted = await client.GetAsync("/v1/conversations", Cancellation);
        Assert.Equal(HttpStatusCode.OK, admitted.StatusCode);
        Assert.Equal(4, chat.Requests.Count);
    }

    [Fact]
    public async Task Tiers_have_their_own_turn_limits_and_a_refused_turn_costs_no_request()
    {
        await using var chat = await FakeChatService.StartAsync();
        await using var host = await GatewayHost.StartAsync(postgres, redis, Upstream.Settings(chat.Address, more: new Dictionary<string, string?>
        {
            ["RateLimits:Tiers:free:TurnsPerMinute"] = "2",
            ["RateLimits:Tiers:pro:TurnsPerMinute"] = "4",
        }));
        var free = host.CreateClient(TestTokens.Mint(Guid.NewGuid(), tier: "free"));
        var pro = host.CreateClient(TestTokens.Mint(Guid.NewGuid(), tier: "pro"));

        var freeTurns = await StartTurnsAsync(free, 5);
        var proTurns = await StartTurnsAsync(pro, 5);

        Assert.Equal([HttpStatusCode.NotFound, HttpStatusCode.NotFound, .. Enumerable.Repeat(HttpStatusCode.TooManyRequests, 3)], freeTurns.Select(r => r.StatusCode));
        Assert.Equal([.. Enumerable.Repeat(HttpStatusCode.NotFound, 4), HttpStatusCode.TooManyRequests], proTurns.Select(r => r.StatusCode));
        Assert.Equal("2", Header(freeTurns[^1], "RateLimit-Limit"));
        Assert.Equal("4", Header(proTurns[^1], "RateLimit-Limit"));
        // Other calls still pass: the requests window (free default 120) only counted the admitted turns.
        var list = await free.GetAsync("/v1/conversations", Cancellation);
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Equal("117", Header(list, "RateLimit-Remaining"));
    }

    private static async Task<HttpResponseMessage[]> StartTurnsAsync(HttpClient client, int count)
    {
        var responses = new HttpResponseMessage[count];
        for (var i = 0; i < count; i++)
        {
            responses[i] = await client.PostAsJsonAsync($"/v1/conversations/{FakeChatService.UnknownConversation}/turns", new { content = "hi" }, Cancellation);
        }
        return responses;
    }

    private static string Header(HttpResponseMessage response, string name) => response.Headers.GetValues(name).Single();
}
