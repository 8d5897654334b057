using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ChatPlatform.Gateway.Model;
using ChatPlatform.Testing;

namespace ChatPlatform.Gateway.Tests.Apis;

public sealed class AuthApiTests(PostgresFixture postgres, RedisFixture redis)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Registering_returns_tokens_and_the_first_account_becomes_admin()
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis);
        var email = GatewayHost.NewEmail();

        var response = await host.CreateClient().PostAsJsonAsync(
            "/v1/auth/register", new { email = email.ToUpperInvariant(), password = GatewayHost.Password }, Cancellation);
        var first = await response.Content.ReadFromJsonAsync<AuthTokens>(Cancellation);
        var second = await host.RegisterAsync();

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.NotNull(first);
        Assert.NotEmpty(first.AccessToken);
        Assert.NotEmpty(first.RefreshToken);
        Assert.Equal(15 * 60, first.ExpiresIn);
        Assert.Equal(email, first.User.Email);
        Assert.Equal("admin", first.User.Role);
        Assert.Equal("free", first.User.Tier);
        Assert.Equal("user", second.User.Role);
    }

    [Fact]
    public async Task Concurrent_first_registrations_make_exactly_one_admin()
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis);

        var registered = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => host.RegisterAsync()));

        Assert.Single(registered, r => r.User.Role == "admin");
    }

    [Fact]
    public async Task The_access_token_carries_the_users_claims_and_expires_in_15_minutes()
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis);
        var tokens = await host.RegisterAsync();

        var jwt = new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(tokens.AccessToken);

        Assert.Equal("HS256", jwt.Alg);
        Assert.Equal(tokens.User.Id.ToString(), jwt.Subject);
        Assert.Equal(tokens.User.Email, jwt.GetClaim("email").Value);
        Assert.Equal(tokens.User.Role, jwt.GetClaim("role").Value);
        Assert.Equal(tokens.User.Tier, jwt.GetClaim("tier").Value);
        Assert.Equal("chatplatform", jwt.Issuer);
        Assert.Equal(["chatplatform"], jwt.Audiences);
        Assert.InRange(jwt.ValidTo - jwt.IssuedAt, TimeSpan.FromMinutes(14.9), TimeSpan.FromMinutes(15.1));
    }

    [Fact]
    public async Task Registering_the_configured_admin_email_makes_an_admin()
    {
        var adminEmail = GatewayHost.NewEmail();
        await using var host = await GatewayHost.StartAsync(postgres, redis, new Dictionary<string, string?> { ["Auth:AdminEmail"] = adminEmail });
        await host.RegisterAsync();

        var admin = await host.RegisterAsync(adminEmail);

        Assert.Equal("admin", admin.User.Role);
    }

    [Fact]
    public async Task With_an_admin_email_configured_the_first_account_is_not_made_admin()
    {
        // A public deployment names its admin: whoever registers first must not win the role.
        await using var host = await GatewayHost.StartAsync(postgres, redis, new Dictionary<string, string?> { ["Auth:AdminEmail"] = GatewayHost.NewEmail() });

        var first = await host.RegisterAsync();

        Assert.Equal("user", first.User.Role);
    }

    [Fact]
    public async Task Registering_a_taken_email_in_any_case_answers_409_and_writes_nothing()
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis);
        var email = GatewayHost.NewEmail();
        await host.RegisterAsync(email);

        var response = await host.CreateClient().PostAsJsonAsync(
            "/v1/auth/register", new { email = email.ToUpperInvariant(), password = "another-Password-1" }, Cancellation);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(1, await host.CountAsync("users"));
    }

    [Theory]
    [InlineData("Short-1")]
    [InlineData("alllowercaseletters")]
    [InlineData("12345678901234")]
    public async Task Weak_passwords_are_rejected_and_nothing_is_written(string password)
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis);

        var response = await host.CreateClient().PostAsJsonAsync(
            "/v1/auth/register", new { email = GatewayHost.NewEmail(), password }, Cancellation);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Cancellation);
        Assert.True(problem.GetProperty("errors").TryGetProperty("password", out _));
        Assert.Equal(0, await host.CountAsync("users"));
    }

    [Fact]
    public async Task A_password_equal_to_the_email_or_over_256_characters_is_rejected()
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis);
        var email = $"Mixed{Guid.NewGuid():N}@example.com".ToLowerInvariant();

        var sameAsEmail = await host.CreateClient().PostAsJsonAsync("/v1/auth/register", new { email, password = email }, Cancellation);
        var tooLong = await host.CreateClient().PostAsJsonAsync(
            "/v1/auth/register", new { email, password = new string('a', 250) + "B1!B1!B1!" }, Cancellation);
        var badEmail = await host.CreateClient().PostAsJsonAsync(
            "/v1/auth/register", new { email = "not-an-email", password = GatewayHost.Password }, Cancellation);

        Assert.Equal(HttpStatusCode.BadRequest, sameAsEmail.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badEmail.StatusCode);
        Assert.Equal(0, await host.CountAsync("users"));
    }

    [Theory]
    [InlineData("{\"email\": \"a@example.com\", \"password\": ")]
    [InlineData("{\"email\": 42, \"password\": \"correct-Horse-battery\"}")]
    [InlineData("[1, 2, 3]")]
    public async Task Malformed_or_mistyped_bodies_answer_400_problems_and_write_nothing(string body)
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis);

        var response = await host.CreateClient().PostAsync(
            "/v1/auth/register", new StringContent(body, Encoding.UTF8, "application/json"), Cancellation);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(0, await host.CountAsync("users"));
    }

    [Fact]
    public async Task A_body_over_64_KB_answers_413_and_writes_nothing()
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis);
        var body = JsonSerializer.Serialize(new { email = GatewayHost.NewEmail(), password = GatewayHost.Password, padding = new string('x', 70_000) });

        var response = await host.CreateClient().PostAsync(
            "/v1/auth/register", new StringContent(body, Encoding.UTF8, "application/json"), Cancellation);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(0, await host.CountAsync("users"));
    }

    [Fact]
    public async Task A_chunked_body_over_64_KB_answers_413_and_writes_nothing()
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis);
        var body = JsonSerializer.SerializeToUtf8Bytes(new { email = GatewayHost.NewEmail(), password = GatewayHost.Password, padding = new string('x', 70_000) });
        var content = new StreamContent(new MemoryStream(body));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/auth/register") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        var response = await host.CreateClient().SendAsync(request, Cancellation);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(0, await host.CountAsync("users"));
    }

    [Fact]
    public async Task Signing_in_returns_tokens_that_identify_the_user()
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis);
        var email = GatewayHost.NewEmail();
        var registered = await host.RegisterAsync(email);

        var response = await host.CreateClient().PostAsJsonAsync(
            "/v1/auth/signin", new { email = email.ToUpperInvariant(), password = GatewayHost.Password }, Cancellation);
        var tokens = await response.Content.ReadFromJsonAsync<AuthTokens>(Cancellation);
        var me = await host.CreateClient(tokens!.AccessToken).GetFromJsonAsync<UserInfo>("/v1/me", Cancellation);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(registered.User, me);
    }

    [Fact]
    public async Task A_wrong_password_and_an_unknown_email_answer_identically()
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis);
        var email = GatewayHost.NewEmail();
        await host.RegisterAsync(email);

        var wrongPassword = await host.CreateClient().PostAsJsonAsync(
            "/v1/auth/signin", new { email, password = "Wrong-password-1" }, Cancellation);
        var unknownEmail = await host.CreateClient().PostAsJsonAsync(
            "/v1/auth/signin", new { email = GatewayHost.NewEmail(), password = "Wrong-password-1" }, Cancellation);

        Assert.Equal(HttpStatusCode.Unauthorized, wrongPassword.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, unknownEmail.StatusCode);
        var first = await wrongPassword.Content.ReadFromJsonAsync<JsonElement>(Cancellation);
        var second = await unknownEmail.Content.ReadFromJsonAsync<JsonElement>(Cancellation);
        Assert.Equal("Invalid email or password", first.GetProperty("detail").GetString());
        Assert.Equal(first.GetProperty("detail").GetString(), second.GetProperty("detail").GetString());
        Assert.Equal(first.GetProperty("title").GetString(), second.GetProperty("title").GetString());
        Assert.Equal(
            first.EnumerateObject().Select(p => p.Name).Order(),
            second.EnumerateObject().Select(p => p.Name).Order());
    }

    [Fact]
    public async Task An_unknown_email_costs_a_password_hash_like_a_wrong_password()
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis);
        var email = GatewayHost.NewEmail();
        await host.RegisterAsync(email);
        var client = host.CreateClient();
        await client.PostAsJsonAsync("/v1/auth/signin", new { email = GatewayHost.NewEmail(), password = "Warm-up-password-1" }, Cancellation);

        async Task<TimeSpan> FastestAsync(Func<string> emailFor)
        {
            var fastest = TimeSpan.MaxValue;
            for (var i = 0; i < 3; i++)
            {
                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                await client.PostAsJsonAsync("/v1/auth/signin", new { email = emailFor(), password = "Wrong-password-1" }, Cancellation);
                var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started);
                fastest = elapsed < fastest ? elapsed : fastest;
            }
            return fastest;
        }

        var wrongPassword = await FastestAsync(() => email);
        var unknownEmail = await FastestAsync(GatewayHost.NewEmail);

        // Loose on purpose (machines are noisy); without the dummy hash the unknown email is over ten times faster.
        Assert.True(unknownEmail > wrongPassword / 3, $"unknown email {unknownEmail.TotalMilliseconds} ms, wrong password {wrongPassword.TotalMilliseconds} ms");
    }

    [Fact]
    public async Task Five_failures_for_an_account_throttle_it_with_retry_after_even_for_the_right_password()
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis);
        var email = GatewayHost.NewEmail();
        await host.RegisterAsync(email);
        var client = host.CreateClient();
        for (var i = 0; i < 5; i++)
        {
            var failed = await client.PostAsJsonAsync("/v1/auth/signin", new { email, password = "Wrong-password-1" }, Cancellation);
            Assert.Equal(HttpStatusCode.Unauthorized, failed.StatusCode);
        }

        var throttled = await client.PostAsJsonAsync("/v1/auth/signin", new { email, password = GatewayHost.Password }, Cancellation);

        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        Assert.Equal("application/problem+json", throttled.Content.Headers.ContentType?.MediaType);
        var retryAfter = throttled.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(15));
    }

    [Fact]
    public async Task A_success_before_the_limit_resets_the_account_count()
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis);
        var email = GatewayHost.NewEmail();
        await host.RegisterAsync(email);
        var client = host.CreateClient();
        for (var round = 0; round < 2; round++)
        {
            for (var i = 0; i < 4; i++)
            {
                await client.PostAsJsonAsync("/v1/auth/signin", new { email, password = "Wrong-password-1" }, Cancellation);
            }
            var success = await client.PostAsJsonAsync("/v1/auth/signin", new { email, password = GatewayHost.Password }, Cancellation);
            Assert.Equal(HttpStatusCode.OK, success.StatusCode);
        }
    }

    [Fact]
    public async Task Failures_from_one_address_throttle_it_across_accounts()
    {
        // Its own Redis database: every test signs in from the same test-server address.
        await using var host = await GatewayHost.StartAsync(
            postgres, redis,
            new Dictionary<string, string?> { ["Auth:SignInFailuresPerAddress"] = "3" },
            redisConnectionString: $"{redis.ConnectionString},defaultDatabase=3");
        await using (var cleanup = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync($"{redis.ConnectionString},allowAdmin=true"))
        {
            await cleanup.GetServers()[0].FlushDatabaseAsync(3);
        }
        var client = host.CreateClient();
        for (var i = 0; i < 3; i++)
        {
            await client.PostAsJsonAsync("/v1/auth/signin", new { email = GatewayHost.NewEmail(), password = "Wrong-password-1" }, Cancellation);
        }

        var throttled = await client.PostAsJsonAsync(
            "/v1/auth/signin", new { email = GatewayHost.NewEmail(), password = "Wrong-password-1" }, Cancellation);

        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        Assert.NotNull(throttled.Headers.RetryAfter);
    }

    private const string WebClientKey = "test-web-client-key-of-at-least-32-characters";

    /// <summary>A gateway with a Redis database of its own, flushed: every test signs in from the same test-server address.</summary>
    private async Task<GatewayHost> StartWithOwnThrottleAsync(int database, Dictionary<string, string?> settings)
    {
        var host = await GatewayHost.StartAsync(postgres, redis, settings, redisConnectionString: $"{redis.ConnectionString},defaultDatabase={database}");
        await using var cleanup = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync($"{redis.ConnectionString},allowAdmin=true");
        await cleanup.GetServers()[0].FlushDatabaseAsync(database);
        return host;
    }

    private static Task<HttpResponseMessage> SignInAsync(HttpClient client, string email, string password, string? address, string? key = WebClientKey)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/auth/signin") { Content = JsonContent.Create(new { email, password }) };
        if (address is not null)
        {
            request.Headers.Add("X-Web-Client-Address", address);
        }
        if (key is not null)
        {
            request.Headers.Add("X-Web-Client-Key", key);
        }
        return client.SendAsync(request, Cancellation);
    }

    [Fact]
    public async Task The_web_apps_users_are_throttled_by_their_own_address_when_it_vouches_for_it_with_the_key()
    {
        await using var host = await StartWithOwnThrottleAsync(4, new()
        {
            ["Auth:SignInFailuresPerAddress"] = "3",
            ["Auth:WebClientKey"] = WebClientKey,
        });
        var client = host.CreateClient();
        for (var i = 0; i < 3; i++)
        {
            await SignInAsync(client, GatewayHost.NewEmail(), "Wrong-password-1", "203.0.113.7");
        }

        var attacker = await SignInAsync(client, GatewayHost.NewEmail(), "Wrong-password-1", "203.0.113.7");
        var otherWebUser = await SignInAsync(client, GatewayHost.NewEmail(), "Wrong-password-1", "198.51.100.20");

        Assert.Equal(HttpStatusCode.TooManyRequests, attacker.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, otherWebUser.StatusCode);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-key-wrong-key-wrong-key-wrong-key")]
    public async Task A_client_address_without_the_web_key_is_ignored(string? key)
    {
        await using var host = await StartWithOwnThrottleAsync(5, new()
        {
            ["Auth:SignInFailuresPerAddress"] = "3",
            ["Auth:WebClientKey"] = WebClientKey,
        });
        var client = host.CreateClient();
        for (var i = 0; i < 3; i++)
        {
            // A fresh forged address each time: were it believed, no address would reach the limit.
            await SignInAsync(client, GatewayHost.NewEmail(), "Wrong-password-1", $"192.0.2.{i + 1}", key);
        }

        var throttled = await SignInAsync(client, GatewayHost.NewEmail(), "Wrong-password-1", "192.0.2.99", key);

        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
    }

    [Fact]
    public async Task Failures_at_one_account_from_one_address_do_not_lock_its_owner_out_elsewhere()
    {
        await using var host = await StartWithOwnThrottleAsync(6, new() { ["Auth:WebClientKey"] = WebClientKey });
        var email = GatewayHost.NewEmail();
        await host.RegisterAsync(email);
        var client = host.CreateClient();
        for (var i = 0; i < 5; i++)
        {
            await SignInAsync(client, email, "Wrong-password-1", "203.0.113.66");
        }

        var guesser = await SignInAsync(client, email, GatewayHost.Password, "203.0.113.66");
        var owner = await SignInAsync(client, email, GatewayHost.Password, "198.51.100.1");

        Assert.Equal(HttpStatusCode.TooManyRequests, guesser.StatusCode);
        Assert.Equal(HttpStatusCode.OK, owner.StatusCode);
    }

    [Fact]
    public async Task Refreshing_rotates_the_refresh_token()
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis);
        var registered = await host.RegisterAsync();

        var response = await host.CreateClient().PostAsJsonAsync("/v1/auth/refresh", new { refreshToken = registered.RefreshToken }, Cancellation);
        var refreshed = await response.Content.ReadFromJsonAsync<AuthTokens>(Cancellation);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotEqual(registered.RefreshToken, refreshed!.RefreshToken);
        Assert.Equal(registered.User, refreshed.User);
        var me = await host.CreateClient(refreshed.AccessToken).GetAsync("/v1/me", Cancellation);
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
    }

    [Fact]
    public async Task Reusing_a_spent_refresh_token_revokes_the_whole_family()
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis);
        var registered = await host.RegisterAsync();
        var client = host.CreateClient();
        var rotated = await (await client.PostAsJsonAsync("/v1/auth/refresh", new { refreshToken = registered.RefreshToken }, Cancellation))
            .Content.ReadFromJsonAsync<AuthTokens>(Cancellation);

        var reuse = await client.PostAsJsonAsync("/v1/auth/refresh", new { refreshToken = registered.RefreshToken }, Cancellation);
        var newer = await client.PostAsJsonAsync("/v1/auth/refresh", new { refreshToken = rotated!.RefreshToken }, Cancellation);

        Assert.Equal(HttpStatusCode.Unauthorized, reuse.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, newer.StatusCode);
    }

    [Fact]
    public async Task Signing_out_revokes_the_family_but_not_other_sign_ins()
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis);
        var email = GatewayHost.NewEmail();
        var registered = await host.RegisterAsync(email);
        var client = host.CreateClient();
        var other = await (await client.PostAsJsonAsync("/v1/auth/signin", new { email, password = GatewayHost.Password }, Cancellation))
            .Content.ReadFromJsonAsync<AuthTokens>(Cancellation);

        var signOut = await client.PostAsJsonAsync("/v1/auth/signout", new { refreshToken = registered.RefreshToken }, Cancellation);
        var afterSignOut = await client.PostAsJsonAsync("/v1/auth/refresh", new { refreshToken = registered.RefreshToken }, Cancellation);
        var otherSignIn = await client.PostAsJsonAsync("/v1/auth/refresh", new { refreshToken = other!.RefreshToken }, Cancellation);

        Assert.Equal(HttpStatusCode.NoContent, signOut.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, afterSignOut.StatusCode);
        Assert.Equal(HttpStatusCode.OK, otherSignIn.StatusCode);
    }

    [Fact]
    public async Task An_unknown_refresh_token_answers_401()
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis);

        var response = await host.CreateClient().PostAsJsonAsync("/v1/auth/refresh", new { refreshToken = "not-a-token" }, Cancellation);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
