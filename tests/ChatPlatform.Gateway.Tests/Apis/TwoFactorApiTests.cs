using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ChatPlatform.Gateway.Model;
using ChatPlatform.Gateway.Services;
using ChatPlatform.Testing;

namespace ChatPlatform.Gateway.Tests.Apis;

/// <summary>
/// Two-factor sign-in on the real gateway, PostgreSQL and Redis. Codes are computed here from the secret setup returns;
/// enrolling spends the current step, so the next code a test uses is the next step's (accepted: one step of drift is).
/// </summary>
public sealed class TwoFactorApiTests(PostgresFixture postgres, RedisFixture redis)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Enrolling_then_signing_in_takes_the_password_and_then_a_code()
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis);
        var email = GatewayHost.NewEmail();
        var client = host.CreateClient((await host.RegisterAsync(email)).AccessToken);

        using var setupResponse = await client.PostAsync("/v1/me/two-factor/setup", null, Cancellation);
        var setup = (await setupResponse.Content.ReadFromJsonAsync<TwoFactorSetup>(Cancellation))!;
        var secret = Base32.Decode(setup.Secret)!;
        using var enabled = await client.PostAsJsonAsync("/v1/me/two-factor/enable", new { code = CodeAt(secret, 0) }, Cancellation);
        var codes = (await enabled.Content.ReadFromJsonAsync<RecoveryCodes>(Cancellation))!;
        var status = await client.GetFromJsonAsync<TwoFactorStatus>("/v1/me/two-factor", Cancellation);
        using var passwordOnly = await host.CreateClient().PostAsJsonAsync("/v1/auth/signin", new { email, password = GatewayHost.Password }, Cancellation);
        var challenge = (await passwordOnly.Content.ReadFromJsonAsync<TwoFactorChallenge>(Cancellation))!;
        using var signedIn = await CompleteAsync(host, challenge.Challenge, CodeAt(secret, 1));
        var tokens = (await signedIn.Content.ReadFromJsonAsync<AuthTokens>(Cancellation))!;

        Assert.Equal(HttpStatusCode.OK, setupResponse.StatusCode);
        Assert.Equal(20, secret.Length);
        Assert.StartsWith($"otpauth://totp/ChatPlatform:{Uri.EscapeDataString(email)}?secret={setup.Secret}&issuer=ChatPlatform", setup.Uri);
        Assert.Equal(HttpStatusCode.OK, enabled.StatusCode);
        Assert.Equal(10, codes.Codes.Distinct().Count());
        Assert.Equal(new TwoFactorStatus(true, 10), status);
        Assert.Equal(HttpStatusCode.Accepted, passwordOnly.StatusCode);
        Assert.True(challenge.TwoFactorRequired);
        Assert.Equal(300, challenge.ExpiresIn);
        Assert.DoesNotContain("accessToken", await passwordOnly.Content.ReadAsStringAsync(Cancellation), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, signedIn.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.CreateClient(tokens.AccessToken).GetAsync("/v1/me", Cancellation)).StatusCode);
        // The secret is stored encrypted and never answered again.
        Assert.Equal(1, await host.CountAsync("two_factor"));
        Assert.Equal(10, await host.CountAsync("two_factor_recovery_codes"));
        Assert.DoesNotContain(setup.Secret, await client.GetStringAsync("/v1/me/two-factor", Cancellation), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_code_and_a_code_used_before_are_refused()
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis);
        var email = GatewayHost.NewEmail();
        var (secret, _) = await EnrolAsync(host, email);
        var next = CodeAt(secret, 1);
        var wrong = next == "000000" ? "000001" : "000000";

        using var wrongCode = await CompleteAsync(host, await ChallengeAsync(host, email), wrong);
        using var first = await CompleteAsync(host, await ChallengeAsync(host, email), next);
        using var replayed = await CompleteAsync(host, await ChallengeAsync(host, email), next);
        // The enrolment's own code is older than the last one spent, so it is refused as well.
        using var older = await CompleteAsync(host, await ChallengeAsync(host, email), CodeAt(secret, 0));

        Assert.Equal(HttpStatusCode.Unauthorized, wrongCode.StatusCode);
        Assert.Equal("application/problem+json", wrongCode.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, replayed.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, older.StatusCode);
    }

    [Fact]
    public async Task A_recovery_code_signs_in_once()
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis);
        var email = GatewayHost.NewEmail();
        var (_, codes) = await EnrolAsync(host, email);

        // Typed in lower case without dashes, as people do.
        using var first = await CompleteAsync(host, await ChallengeAsync(host, email), codes[3].Replace("-", "", StringComparison.Ordinal).ToLowerInvariant());
        using var again = await CompleteAsync(host, await ChallengeAsync(host, email), codes[3]);
        var tokens = (await first.Content.ReadFromJsonAsync<AuthTokens>(Cancellation))!;
        var status = await host.CreateClient(tokens.AccessToken).GetFromJsonAsync<TwoFactorStatus>("/v1/me/two-factor", Cancellation);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, again.StatusCode);
        Assert.Equal(9, status!.RecoveryCodesLeft);
    }

    [Fact]
    public async Task Another_users_challenge_or_an_access_token_is_no_challenge()
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis);
        var alice = GatewayHost.NewEmail();
        var bob = GatewayHost.NewEmail();
        await EnrolAsync(host, alice);
        var (bobSecret, _) = await EnrolAsync(host, bob);
        var aliceChallenge = await ChallengeAsync(host, alice);
        var bobAccess = (await host.RegisterAsync()).AccessToken;

        // Bob's own code with Alice's challenge is checked against Alice's secret.
        using var crossed = await CompleteAsync(host, aliceChallenge, CodeAt(bobSecret, 1));
        using var accessTokenAsChallenge = await CompleteAsync(host, bobAccess, CodeAt(bobSecret, 1));
        using var tampered = await CompleteAsync(host, aliceChallenge[..^2] + "xx", CodeAt(bobSecret, 1));
        using var challengeAsAccessToken = await host.CreateClient(aliceChallenge).GetAsync("/v1/me", Cancellation);
        // Bob's code was not spent by those tries.
        using var bobSignsIn = await CompleteAsync(host, await ChallengeAsync(host, bob), CodeAt(bobSecret, 1));

        Assert.Equal(HttpStatusCode.Unauthorized, crossed.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, accessTokenAsChallenge.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, tampered.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, challengeAsAccessToken.StatusCode);
        Assert.Equal(HttpStatusCode.OK, bobSignsIn.StatusCode);
    }

    [Fact]
    public async Task Wrong_codes_count_toward_the_sign_in_throttle_and_the_password_does_not_reset_it()
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis, new Dictionary<string, string?> { ["Auth:SignInFailuresPerAccount"] = "3" });
        var email = GatewayHost.NewEmail();
        var (secret, _) = await EnrolAsync(host, email);
        var next = CodeAt(secret, 1);
        var wrong = next == "000000" ? "000001" : "000000";
        var kept = await ChallengeAsync(host, email);
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            // A fresh password sign-in between guesses, which must not clear their count.
            using var guess = await CompleteAsync(host, await ChallengeAsync(host, email), wrong);
            statuses.Add(guess.StatusCode);
        }

        using var rightCode = await CompleteAsync(host, kept, next);
        using var password = await host.CreateClient().PostAsJsonAsync("/v1/auth/signin", new { email, password = GatewayHost.Password }, Cancellation);

        Assert.All(statuses, status => Assert.Equal(HttpStatusCode.Unauthorized, status));
        Assert.Equal(HttpStatusCode.TooManyRequests, rightCode.StatusCode);
        Assert.NotNull(rightCode.Headers.RetryAfter);
        Assert.Equal(HttpStatusCode.TooManyRequests, password.StatusCode);
    }

    [Fact]
    public async Task Turning_it_off_takes_the_password_and_a_code()
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis);
        var email = GatewayHost.NewEmail();
        var (secret, codes, access) = await EnrolWithSessionAsync(host, email);
        var client = host.CreateClient(access);

        using var missing = await client.PostAsJsonAsync("/v1/me/two-factor/disable", new { }, Cancellation);
        using var wrongPassword = await client.PostAsJsonAsync("/v1/me/two-factor/disable", new { password = "Not-the-password-1", code = codes[0] }, Cancellation);
        using var wrongCode = await client.PostAsJsonAsync("/v1/me/two-factor/disable", new { password = GatewayHost.Password, code = "12345678" }, Cancellation);
        using var stillOn = await host.CreateClient().PostAsJsonAsync("/v1/auth/signin", new { email, password = GatewayHost.Password }, Cancellation);
        using var disabled = await client.PostAsJsonAsync("/v1/me/two-factor/disable", new { password = GatewayHost.Password, code = CodeAt(secret, 1) }, Cancellation);
        using var twice = await client.PostAsJsonAsync("/v1/me/two-factor/disable", new { password = GatewayHost.Password, code = codes[0] }, Cancellation);
        using var passwordOnly = await host.CreateClient().PostAsJsonAsync("/v1/auth/signin", new { email, password = GatewayHost.Password }, Cancellation);

        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        var errors = (await missing.Content.ReadFromJsonAsync<JsonElement>(Cancellation)).GetProperty("errors");
        Assert.True(errors.TryGetProperty("password", out _));
        Assert.True(errors.TryGetProperty("code", out _));
        Assert.Equal(HttpStatusCode.Forbidden, wrongPassword.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, wrongCode.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, stillOn.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, disabled.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, twice.StatusCode);
        Assert.Equal(HttpStatusCode.OK, passwordOnly.StatusCode);
        Assert.Equal(0, await host.CountAsync("two_factor"));
        Assert.Equal(0, await host.CountAsync("two_factor_recovery_codes"));
    }

    [Fact]
    public async Task Enrolment_refuses_bad_codes_a_missing_setup_and_a_second_authenticator()
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis);
        var client = host.CreateClient((await host.RegisterAsync()).AccessToken);

        using var noSetup = await client.PostAsJsonAsync("/v1/me/two-factor/enable", new { code = "123456" }, Cancellation);
        var setup = (await (await client.PostAsync("/v1/me/two-factor/setup", null, Cancellation)).Content.ReadFromJsonAsync<TwoFactorSetup>(Cancellation))!;
        var secret = Base32.Decode(setup.Secret)!;
        var current = CodeAt(secret, 0);
        using var malformed = await client.PostAsJsonAsync("/v1/me/two-factor/enable", new { code = "12ab56" }, Cancellation);
        using var wrong = await client.PostAsJsonAsync("/v1/me/two-factor/enable", new { code = Totp.Code(secret, Totp.StepAt(DateTimeOffset.UtcNow) + 5) }, Cancellation);
        using var badJson = await client.PostAsync("/v1/me/two-factor/enable", new StringContent("{\"code\": 5", System.Text.Encoding.UTF8, "application/json"), Cancellation);
        using var enabled = await client.PostAsJsonAsync("/v1/me/two-factor/enable", new { code = current }, Cancellation);
        using var secondSetup = await client.PostAsync("/v1/me/two-factor/setup", null, Cancellation);

        Assert.Equal(HttpStatusCode.Conflict, noSetup.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badJson.StatusCode);
        Assert.Equal("application/problem+json", badJson.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.OK, enabled.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, secondSetup.StatusCode);
    }

    [Fact]
    public async Task One_users_two_factor_routes_never_reach_another_users_enrolment()
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis);
        var alice = GatewayHost.NewEmail();
        var (aliceSecret, aliceCodes) = await EnrolAsync(host, alice);
        var mallory = host.CreateClient((await host.RegisterAsync()).AccessToken);

        using var status = await mallory.GetAsync("/v1/me/two-factor", Cancellation);
        using var disable = await mallory.PostAsJsonAsync("/v1/me/two-factor/disable", new { password = GatewayHost.Password, code = aliceCodes[0] }, Cancellation);
        using var enable = await mallory.PostAsJsonAsync("/v1/me/two-factor/enable", new { code = CodeAt(aliceSecret, 1) }, Cancellation);
        using var aliceSignsIn = await CompleteAsync(host, await ChallengeAsync(host, alice), aliceCodes[0]);

        Assert.Equal(new TwoFactorStatus(false, 0), await status.Content.ReadFromJsonAsync<TwoFactorStatus>(Cancellation));
        Assert.Equal(HttpStatusCode.Conflict, disable.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, enable.StatusCode);
        // Alice's recovery code was neither spent nor her enrolment touched.
        Assert.Equal(HttpStatusCode.OK, aliceSignsIn.StatusCode);
    }

    [Fact]
    public async Task Api_keys_cannot_manage_two_factor_and_keep_working_without_a_code()
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis);
        var email = GatewayHost.NewEmail();
        var tokens = await host.RegisterAsync(email);
        var key = (await (await host.CreateClient(tokens.AccessToken).PostAsJsonAsync("/v1/api-keys", new { name = "ci" }, Cancellation))
            .Content.ReadFromJsonAsync<CreatedApiKey>(Cancellation))!;
        await EnrolWithSessionAsync(host, email, tokens.AccessToken);

        using var setup = await host.CreateClient(key.Key).PostAsync("/v1/me/two-factor/setup", null, Cancellation);
        using var me = await host.CreateClient(key.Key).GetAsync("/v1/me", Cancellation);

        Assert.Equal(HttpStatusCode.Forbidden, setup.StatusCode);
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
    }

    [Fact]
    public async Task Admins_without_two_factor_get_tokens_only_for_enrolling_when_it_is_required()
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis, new Dictionary<string, string?> { ["Auth:RequireTwoFactorForAdmins"] = "true" });
        var admin = await host.RegisterAsync();
        var user = await host.RegisterAsync();
        var client = host.CreateClient(admin.AccessToken);

        using var refused = await client.PostAsJsonAsync("/v1/api-keys", new { name = "ci" }, Cancellation);
        using var adminRoute = await client.GetAsync("/v1/admin/users", Cancellation);
        using var me = await client.GetAsync("/v1/me", Cancellation);
        using var userKey = await host.CreateClient(user.AccessToken).PostAsJsonAsync("/v1/api-keys", new { name = "ci" }, Cancellation);
        var (secret, _, _) = await EnrolWithSessionAsync(host, admin.User.Email, admin.AccessToken);
        // Enrolled: the same token works at once, and a refreshed one carries no enrolment mark.
        using var allowed = await client.PostAsJsonAsync("/v1/api-keys", new { name = "ci" }, Cancellation);
        var refreshed = (await (await host.CreateClient().PostAsJsonAsync("/v1/auth/refresh", new { refreshToken = admin.RefreshToken }, Cancellation))
            .Content.ReadFromJsonAsync<AuthTokens>(Cancellation))!;
        using var disable = await client.PostAsJsonAsync("/v1/me/two-factor/disable", new { password = GatewayHost.Password, code = CodeAt(secret, 1) }, Cancellation);

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>(Cancellation);
        Assert.Equal("Two-factor sign-in required", problem.GetProperty("title").GetString());
        Assert.Contains("/v1/me/two-factor/setup", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, adminRoute.StatusCode);
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        Assert.Equal(HttpStatusCode.Created, userKey.StatusCode);
        Assert.True(new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(admin.AccessToken).TryGetClaim("2fa_enrol", out _));
        Assert.Equal(HttpStatusCode.Created, allowed.StatusCode);
        Assert.False(new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(refreshed.AccessToken).TryGetClaim("2fa_enrol", out _));
        Assert.Equal(HttpStatusCode.Forbidden, disable.StatusCode);
    }

    [Fact]
    public async Task No_secret_code_or_recovery_code_reaches_the_logs()
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis, new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Trace",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Trace",
            ["Logging:LogLevel:Npgsql"] = "Trace",
        });
        var email = GatewayHost.NewEmail();
        var tokens = await host.RegisterAsync(email);
        var client = host.CreateClient(tokens.AccessToken);
        var setup = (await (await client.PostAsync("/v1/me/two-factor/setup", null, Cancellation)).Content.ReadFromJsonAsync<TwoFactorSetup>(Cancellation))!;
        var secret = Base32.Decode(setup.Secret)!;
        var enrolCode = CodeAt(secret, 0);
        var codes = (await (await client.PostAsJsonAsync("/v1/me/two-factor/enable", new { code = enrolCode }, Cancellation))
            .Content.ReadFromJsonAsync<RecoveryCodes>(Cancellation))!.Codes;
        var challenge = await ChallengeAsync(host, email);
        await CompleteAsync(host, challenge, codes[0]);

        var logs = string.Join('\n', host.Logs);

        Assert.Contains("Two-factor sign-in turned on", logs, StringComparison.Ordinal);
        foreach (var secretText in new[] { setup.Secret, Convert.ToHexString(secret), challenge, codes[0], codes[1], $"\"{enrolCode}\"" })
        {
            Assert.DoesNotContain(secretText, logs, StringComparison.OrdinalIgnoreCase);
        }
    }

    internal static string CodeAt(byte[] secret, int stepsFromNow) => Totp.Code(secret, Totp.StepAt(DateTimeOffset.UtcNow) + stepsFromNow);

    private static async Task<(byte[] Secret, IReadOnlyList<string> Codes)> EnrolAsync(GatewayHost host, string email)
    {
        var (secret, codes, _) = await EnrolWithSessionAsync(host, email);
        return (secret, codes);
    }

    /// <summary>Registers <paramref name="email"/> (unless a session is given) and enrols it with the current step's code.</summary>
    private static async Task<(byte[] Secret, IReadOnlyList<string> Codes, string AccessToken)> EnrolWithSessionAsync(
        GatewayHost host, string email, string? accessToken = null)
    {
        accessToken ??= (await host.RegisterAsync(email)).AccessToken;
        var client = host.CreateClient(accessToken);
        using var setupResponse = await client.PostAsync("/v1/me/two-factor/setup", null, Cancellation);
        setupResponse.EnsureSuccessStatusCode();
        var secret = Base32.Decode((await setupResponse.Content.ReadFromJsonAsync<TwoFactorSetup>(Cancellation))!.Secret)!;
        using var enabled = await client.PostAsJsonAsync("/v1/me/two-factor/enable", new { code = CodeAt(secret, 0) }, Cancellation);
        enabled.EnsureSuccessStatusCode();
        return (secret, (await enabled.Content.ReadFromJsonAsync<RecoveryCodes>(Cancellation))!.Codes, accessToken);
    }

    private static async Task<string> ChallengeAsync(GatewayHost host, string email)
    {
        using var response = await host.CreateClient().PostAsJsonAsync("/v1/auth/signin", new { email, password = GatewayHost.Password }, Cancellation);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<TwoFactorChallenge>(Cancellation))!.Challenge;
    }

    private static Task<HttpResponseMessage> CompleteAsync(GatewayHost host, string challenge, string code) =>
        host.CreateClient().PostAsJsonAsync("/v1/auth/signin/two-factor", new { challenge, code }, Cancellation);
}
