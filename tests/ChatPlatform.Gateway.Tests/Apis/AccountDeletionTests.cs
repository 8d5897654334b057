using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ChatPlatform.Gateway.Model;
using ChatPlatform.Testing;
using Npgsql;

namespace ChatPlatform.Gateway.Tests.Apis;

/// <summary><c>DELETE /v1/me</c> on the real gateway, PostgreSQL and Redis.</summary>
public sealed class AccountDeletionTests(PostgresFixture postgres, RedisFixture redis)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Deleting_my_account_removes_its_identity_stops_every_credential_at_once_and_commits_the_event()
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis);
        var email = GatewayHost.NewEmail();
        var first = await host.RegisterAsync(email);
        var second = (await (await host.CreateClient().PostAsJsonAsync("/v1/auth/signin", new { email, password = GatewayHost.Password }, Cancellation))
            .Content.ReadFromJsonAsync<AuthTokens>(Cancellation))!;
        var client = host.CreateClient(first.AccessToken);
        var key = (await (await client.PostAsJsonAsync("/v1/api-keys", new { name = "ci" }, Cancellation)).Content.ReadFromJsonAsync<CreatedApiKey>(Cancellation))!;
        var bystander = await host.RegisterAsync();

        using var deleted = await DeleteMeAsync(client, new { password = GatewayHost.Password });

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        foreach (var credential in new[] { first.AccessToken, second.AccessToken, key.Key })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await host.CreateClient(credential).GetAsync("/v1/me", Cancellation)).StatusCode);
        }
        using var refresh = await host.CreateClient().PostAsJsonAsync("/v1/auth/refresh", new { refreshToken = second.RefreshToken }, Cancellation);
        Assert.Equal(HttpStatusCode.Unauthorized, refresh.StatusCode);
        using var signIn = await host.CreateClient().PostAsJsonAsync("/v1/auth/signin", new { email, password = GatewayHost.Password }, Cancellation);
        Assert.Equal(HttpStatusCode.Unauthorized, signIn.StatusCode);
        Assert.Equal(0, await CountAsync(host, "SELECT count(*) FROM identity.users WHERE id = $1", first.User.Id));
        Assert.Equal(0, await CountAsync(host, "SELECT count(*) FROM identity.refresh_tokens WHERE user_id = $1", first.User.Id));
        Assert.Equal(0, await CountAsync(host, "SELECT count(*) FROM identity.api_keys WHERE user_id = $1", first.User.Id));
        var payload = await ScalarAsync(host, "SELECT payload::text FROM events.events WHERE type = 'account.deleted' AND key = $1", first.User.Id.ToString());
        Assert.Equal(first.User.Id, JsonSerializer.Deserialize<AccountDeleted>((string)payload!, JsonSerializerOptions.Web)!.UserId);
        Assert.Equal(1, await CountAsync(host, "SELECT count(*) FROM events.events WHERE type = 'account.deleted'"));
        // Nobody else is touched.
        Assert.Equal(HttpStatusCode.OK, (await host.CreateClient(bystander.AccessToken).GetAsync("/v1/me", Cancellation)).StatusCode);
    }

    [Fact]
    public async Task A_missing_or_wrong_password_deletes_nothing_and_repeated_guesses_are_throttled()
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis, new Dictionary<string, string?> { ["Auth:SignInFailuresPerAccount"] = "3" });
        var tokens = await host.RegisterAsync();
        var client = host.CreateClient(tokens.AccessToken);

        using var missing = await DeleteMeAsync(client, new { });
        using var noBody = await client.DeleteAsync("/v1/me", Cancellation);
        var wrong = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            using var response = await DeleteMeAsync(client, new { password = "not-the-password" });
            await AssertProblemAsync(response);
            wrong.Add(response.StatusCode);
        }
        using var throttled = await DeleteMeAsync(client, new { password = GatewayHost.Password });

        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        await AssertProblemAsync(missing);
        Assert.Equal(HttpStatusCode.BadRequest, noBody.StatusCode);
        Assert.Equal([HttpStatusCode.Forbidden, HttpStatusCode.Forbidden, HttpStatusCode.Forbidden, HttpStatusCode.TooManyRequests], wrong);
        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        Assert.NotNull(throttled.Headers.RetryAfter);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/me", Cancellation)).StatusCode);
        Assert.Equal(1, await CountAsync(host, "SELECT count(*) FROM identity.users WHERE id = $1", tokens.User.Id));
        Assert.Equal(0, await CountAsync(host, "SELECT count(*) FROM events.events WHERE type = 'account.deleted'"));
    }

    [Fact]
    public async Task An_api_key_cannot_delete_the_account_even_with_the_password()
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis);
        var tokens = await host.RegisterAsync();
        var key = (await (await host.CreateClient(tokens.AccessToken).PostAsJsonAsync("/v1/api-keys", new { name = "leaked" }, Cancellation))
            .Content.ReadFromJsonAsync<CreatedApiKey>(Cancellation))!;

        using var response = await DeleteMeAsync(host.CreateClient(key.Key), new { password = GatewayHost.Password });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        await AssertProblemAsync(response);
        Assert.Equal(HttpStatusCode.OK, (await host.CreateClient(key.Key).GetAsync("/v1/me", Cancellation)).StatusCode);
        Assert.Equal(0, await CountAsync(host, "SELECT count(*) FROM events.events WHERE type = 'account.deleted'"));
    }

    private static Task<HttpResponseMessage> DeleteMeAsync(HttpClient client, object body) =>
        client.SendAsync(new HttpRequestMessage(HttpMethod.Delete, "/v1/me") { Content = JsonContent.Create(body) }, Cancellation);

    private static async Task AssertProblemAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain(GatewayHost.Password, await response.Content.ReadAsStringAsync(Cancellation), StringComparison.Ordinal);
    }

    private static async Task<long> CountAsync(GatewayHost host, string sql, params object[] parameters) =>
        Convert.ToInt64(await ScalarAsync(host, sql, parameters), System.Globalization.CultureInfo.InvariantCulture);

    private static async Task<object?> ScalarAsync(GatewayHost host, string sql, params object[] parameters)
    {
        await using var dataSource = NpgsqlDataSource.Create(host.DatabaseConnectionString);
        await using var command = dataSource.CreateCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new() { Value = parameter });
        }
        return await command.ExecuteScalarAsync(Cancellation);
    }
}
