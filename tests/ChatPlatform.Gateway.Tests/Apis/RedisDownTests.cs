using System.Net;
using System.Net.Http.Json;
using ChatPlatform.Gateway.Tests.Fakes;
using ChatPlatform.Testing;
using ChatPlatform.Testing.Servers;
using StackExchange.Redis;

namespace ChatPlatform.Gateway.Tests.Apis;

/// <summary>
/// The gateway with Redis gone (a closed port, or a redis-server of the test's own stopped and restarted): it answers
/// at once, sign-in works and stays throttled, and limits are counted by the instance until Redis is back.
/// </summary>
public sealed class RedisDownTests(PostgresFixture postgres, RedisFixture redis)
{
    // Generous: an answer that waited on Redis's old timeouts took 2 to 6 s; one that skips it takes milliseconds.
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(1.5);

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    private static string ClosedRedis => $"127.0.0.1:{ForwardingApiTests.ClosedPort()}";

    [Fact]
    public async Task With_redis_down_sign_in_answers_promptly_and_failures_still_throttle()
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis, redisConnectionString: ClosedRedis);
        var email = GatewayHost.NewEmail();
        await host.RegisterAsync(email);
        var client = host.CreateClient();

        var signedIn = await client.PostAsJsonAsync("/v1/auth/signin", new { email, password = GatewayHost.Password }, Cancellation)
            .WaitAsync(Prompt, Cancellation);
        Assert.Equal(HttpStatusCode.OK, signedIn.StatusCode);
        for (var i = 0; i < 5; i++)
        {
            var failed = await client.PostAsJsonAsync("/v1/auth/signin", new { email, password = "Wrong-password-1" }, Cancellation)
                .WaitAsync(Prompt, Cancellation);
            Assert.Equal(HttpStatusCode.Unauthorized, failed.StatusCode);
        }
        var throttled = await client.PostAsJsonAsync("/v1/auth/signin", new { email, password = GatewayHost.Password }, Cancellation)
            .WaitAsync(Prompt, Cancellation);

        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        Assert.InRange(throttled.Headers.RetryAfter!.Delta!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(15));
    }

    [Fact]
    public async Task With_redis_down_the_limits_are_counted_by_the_instance()
    {
        await using var chat = await FakeChatService.StartAsync();
        await using var host = await GatewayHost.StartAsync(postgres, redis, Upstream.Settings(chat.Address, more: new Dictionary<string, string?>
        {
            ["RateLimits:Tiers:free:RequestsPerMinute"] = "4",
            ["RateLimits:Tiers:free:TurnsPerMinute"] = "2",
        }), redisConnectionString: ClosedRedis);
        var client = host.CreateClient(TestTokens.Mint(Guid.NewGuid()));
        // A fresh host's first request pays for starting its pipeline, which under CI's load took longer than Prompt:
        // an anonymous one (401, counted against no one) pays it, so the bound below measures only Redis being down.
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.CreateClient().GetAsync("/v1/conversations", Cancellation)).StatusCode);

        var turns = new List<HttpResponseMessage>();
        for (var i = 0; i < 3; i++)
        {
            turns.Add(await client.PostAsJsonAsync($"/v1/conversations/{FakeChatService.UnknownConversation}/turns", new { content = "hi" }, Cancellation)
                .WaitAsync(Prompt, Cancellation));
        }
        var calls = new List<HttpResponseMessage>();
        for (var i = 0; i < 3; i++)
        {
            calls.Add(await client.GetAsync("/v1/conversations", Cancellation).WaitAsync(Prompt, Cancellation));
        }

        Assert.Equal([HttpStatusCode.NotFound, HttpStatusCode.NotFound, HttpStatusCode.TooManyRequests], turns.Select(r => r.StatusCode));
        Assert.Equal("2", Header(turns[^1], "RateLimit-Limit"));
        // The refused turn cost no request: two turns and two calls fill the window of four.
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], calls.Select(r => r.StatusCode));
        var refused = calls[^1];
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Equal("4", Header(refused, "RateLimit-Limit"));
        Assert.Equal("0", Header(refused, "RateLimit-Remaining"));
        Assert.InRange(refused.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, 60);
        Assert.Equal(4, chat.Requests.Count);
    }

    [Fact]
    public async Task When_redis_returns_the_limits_are_shared_in_redis_again()
    {
        var directory = TestDirectories.Create("gateway-redis");
        await using var server = await RedisProcess.StartAsync(directory, FreePort.Next(), (_, _) => { }, durable: false, Cancellation);
        await using var chat = await FakeChatService.StartAsync();
        await using var host = await GatewayHost.StartAsync(postgres, redis, Upstream.Settings(chat.Address), redisConnectionString: server.ConnectionString);
        var userId = Guid.NewGuid();
        var client = host.CreateClient(TestTokens.Mint(userId));
        using var probe = await ConnectionMultiplexer.ConnectAsync($"{server.ConnectionString},abortConnect=false");
        RedisKey window = $"gateway:ratelimit:{{{userId:N}}}:requests";
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/conversations", Cancellation)).StatusCode);
        Assert.Equal(1, await probe.GetDatabase().SortedSetLengthAsync(window));

        await server.StopAsync();
        for (var i = 0; i < 5; i++)
        {
            var during = await client.GetAsync("/v1/conversations", Cancellation).WaitAsync(Prompt, Cancellation);
            Assert.Equal(HttpStatusCode.OK, during.StatusCode);
            Assert.Equal("120", Header(during, "RateLimit-Limit"));
        }
        // Restarted empty (no persistence): the calls made meanwhile were counted locally, not in Redis.
        await server.RestartAsync(Cancellation);

        var counted = await Eventually(async () =>
        {
            await client.GetAsync("/v1/conversations", Cancellation);
            return await probe.GetDatabase().SortedSetLengthAsync(window);
        });
        Assert.True(counted >= 1);
        Directory.Delete(directory, recursive: true);
    }

    private static async Task<long> Eventually(Func<Task<long>> read)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Cancellation);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        while (true)
        {
            try
            {
                if (await read() is > 0 and var value)
                {
                    return value;
                }
            }
            catch (RedisException)
            {
                // The probe's own connection is still coming back.
            }
            await Task.Delay(100, timeout.Token);
        }
    }

    private static string Header(HttpResponseMessage response, string name) => response.Headers.GetValues(name).Single();
}
