using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ChatPlatform.Gateway.Model;
using ChatPlatform.Testing;

namespace ChatPlatform.Gateway.Tests.Apis;

public sealed class ApiKeysApiTests(PostgresFixture postgres, RedisFixture redis)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_created_key_is_shown_once_listed_by_prefix_works_and_stops_working_when_revoked()
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis);
        var tokens = await host.RegisterAsync();
        var client = host.CreateClient(tokens.AccessToken);

        var response = await client.PostAsJsonAsync("/v1/api-keys", new { name = "laptop" }, Cancellation);
        var created = await response.Content.ReadFromJsonAsync<CreatedApiKey>(Cancellation);
        var listBody = await client.GetStringAsync("/v1/api-keys", Cancellation);
        var listed = JsonSerializer.Deserialize<ApiKeySummary[]>(listBody, JsonSerializerOptions.Web);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.StartsWith("cp_", created!.Key);
        Assert.Equal(46, created.Key.Length);
        Assert.StartsWith(created.Prefix, created.Key);
        Assert.DoesNotContain(created.Key, listBody);
        var summary = Assert.Single(listed!);
        Assert.Equal((created.Id, "laptop", created.Prefix), (summary.Id, summary.Name, summary.Prefix));
        Assert.Null(summary.LastUsedAt);

        var me = await host.CreateClient(created.Key).GetFromJsonAsync<UserInfo>("/v1/me", Cancellation);
        Assert.Equal(tokens.User, me);
        var viaHeader = host.CreateClient();
        viaHeader.DefaultRequestHeaders.Add("x-api-key", created.Key);
        Assert.Equal(HttpStatusCode.OK, (await viaHeader.GetAsync("/v1/me", Cancellation)).StatusCode);
        var used = Assert.Single((await client.GetFromJsonAsync<ApiKeySummary[]>("/v1/api-keys", Cancellation))!);
        Assert.NotNull(used.LastUsedAt);

        var revoke = await client.DeleteAsync($"/v1/api-keys/{created.Id}", Cancellation);

        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.CreateClient(created.Key).GetAsync("/v1/me", Cancellation)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await viaHeader.GetAsync("/v1/me", Cancellation)).StatusCode);
        Assert.Empty((await client.GetFromJsonAsync<ApiKeySummary[]>("/v1/api-keys", Cancellation))!);
    }

    [Fact]
    public async Task A_keys_last_use_is_stamped_at_most_once_a_minute()
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis);
        var client = host.CreateClient((await host.RegisterAsync()).AccessToken);
        var created = await (await client.PostAsJsonAsync("/v1/api-keys", new { name = "busy" }, Cancellation)).Content.ReadFromJsonAsync<CreatedApiKey>(Cancellation);
        var withKey = host.CreateClient(created!.Key);

        (await withKey.GetAsync("/v1/me", Cancellation)).EnsureSuccessStatusCode();
        var first = await LastUsedAsync(host, created.Id);
        (await withKey.GetAsync("/v1/me", Cancellation)).EnsureSuccessStatusCode();
        var second = await LastUsedAsync(host, created.Id);
        await ExecuteAsync(host, $"UPDATE identity.api_keys SET last_used_at = now() - interval '2 minutes' WHERE id = '{created.Id}'");
        (await withKey.GetAsync("/v1/me", Cancellation)).EnsureSuccessStatusCode();
        var third = await LastUsedAsync(host, created.Id);

        Assert.NotNull(first);
        Assert.Equal(first, second);
        Assert.True(third > first, $"{third} after {first}");
    }

    private static async Task<DateTimeOffset?> LastUsedAsync(GatewayHost host, Guid id)
    {
        await using var dataSource = Npgsql.NpgsqlDataSource.Create(host.DatabaseConnectionString);
        await using var command = dataSource.CreateCommand($"SELECT last_used_at FROM identity.api_keys WHERE id = '{id}'");
        return await command.ExecuteScalarAsync(Cancellation) is DateTime value ? new DateTimeOffset(value, TimeSpan.Zero) : null;
    }

    private static async Task ExecuteAsync(GatewayHost host, string sql)
    {
        await using var dataSource = Npgsql.NpgsqlDataSource.Create(host.DatabaseConnectionString);
        await using var command = dataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(Cancellation);
    }

    [Fact]
    public async Task Revoking_another_users_key_answers_404_and_leaves_it_working()
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis);
        var owner = host.CreateClient((await host.RegisterAsync()).AccessToken);
        var intruder = host.CreateClient((await host.RegisterAsync()).AccessToken);
        var created = await (await owner.PostAsJsonAsync("/v1/api-keys", new { name = "ci" }, Cancellation))
            .Content.ReadFromJsonAsync<CreatedApiKey>(Cancellation);

        var response = await intruder.DeleteAsync($"/v1/api-keys/{created!.Id}", Cancellation);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Empty((await intruder.GetFromJsonAsync<ApiKeySummary[]>("/v1/api-keys", Cancellation))!);
        Assert.Equal(HttpStatusCode.OK, (await host.CreateClient(created.Key).GetAsync("/v1/me", Cancellation)).StatusCode);
    }

    [Fact]
    public async Task An_api_key_cannot_create_list_or_revoke_keys_and_gets_403_problem_details()
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis);
        var session = host.CreateClient((await host.RegisterAsync()).AccessToken);
        var leaked = await (await session.PostAsJsonAsync("/v1/api-keys", new { name = "leaked" }, Cancellation))
            .Content.ReadFromJsonAsync<CreatedApiKey>(Cancellation);
        var withKey = host.CreateClient(leaked!.Key);
        var viaHeader = host.CreateClient();
        viaHeader.DefaultRequestHeaders.Add("x-api-key", leaked.Key);

        HttpResponseMessage[] responses =
        [
            await withKey.PostAsJsonAsync("/v1/api-keys", new { name = "outlives-it" }, Cancellation),
            await viaHeader.PostAsJsonAsync("/v1/api-keys", new { name = "outlives-it" }, Cancellation),
            await withKey.GetAsync("/v1/api-keys", Cancellation),
            await withKey.DeleteAsync($"/v1/api-keys/{leaked.Id}", Cancellation),
        ];

        foreach (var response in responses)
        {
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains("access token", await response.Content.ReadAsStringAsync(Cancellation));
        }
        Assert.Equal(1, await host.CountAsync("api_keys"));
        // The key still does what keys are for.
        Assert.Equal(HttpStatusCode.OK, (await withKey.GetAsync("/v1/me", Cancellation)).StatusCode);
    }

    [Fact]
    public async Task An_unknown_api_key_answers_401()
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis);

        var response = await host.CreateClient("cp_" + new string('A', 43)).GetAsync("/v1/me", Cancellation);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Api_keys_need_a_signed_in_user()
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis);

        var response = await host.CreateClient().PostAsJsonAsync("/v1/api-keys", new { name = "anonymous" }, Cancellation);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [InlineData("{\"name\": \"\"}")]
    [InlineData("{\"name\": 12}")]
    [InlineData("{\"name\": ")]
    public async Task Invalid_key_requests_answer_400_and_write_nothing(string body)
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis);
        var client = host.CreateClient((await host.RegisterAsync()).AccessToken);

        var response = await client.PostAsync(
            "/v1/api-keys", new StringContent(body, System.Text.Encoding.UTF8, "application/json"), Cancellation);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(0, await host.CountAsync("api_keys"));
    }

    [Fact]
    public async Task A_nul_character_in_an_email_password_or_key_name_is_a_400_naming_the_field_and_nothing_is_written()
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis);
        var client = host.CreateClient((await host.RegisterAsync()).AccessToken);
        var refused = new (string Path, string Body, string Field)[]
        {
            ("/v1/auth/register", $$"""{"email":"a\u0000{{GatewayHost.NewEmail()}}","password":"{{GatewayHost.Password}}"}""", "email"),
            ("/v1/auth/register", $$"""{"email":"{{GatewayHost.NewEmail()}}","password":"pass\u0000word-Long-1"}""", "password"),
            ("/v1/auth/signin", $$"""{"email":"a\u0000@example.com","password":"{{GatewayHost.Password}}"}""", "email"),
            ("/v1/api-keys", """{"name":"lap\u0000top"}""", "name"),
        };

        foreach (var (path, body, field) in refused)
        {
            using var response = await client.PostAsync(path, new StringContent(body, System.Text.Encoding.UTF8, "application/json"), Cancellation);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{path} {body}: {(int)response.StatusCode}");
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Cancellation);
            Assert.StartsWith($"'{field}' contains a NUL character", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        Assert.Equal(1, await host.CountAsync("users"));
        Assert.Equal(0, await host.CountAsync("api_keys"));
    }
}
