using System.Collections.Concurrent;
using System.Net;
using ChatPlatform.Testing;
using ChatPlatform.Web.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace ChatPlatform.Web.Tests.Infrastructure;

/// <summary>What the web app tells the gateway at sign-in, against a real HTTP peer standing in for it.</summary>
public sealed class GatewayAuthClientTests
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("a-web-client-key-of-at-least-32-characters", "203.0.113.7", "a-web-client-key-of-at-least-32-characters")]
    [InlineData(null, null, null)]
    public async Task Sign_in_passes_the_users_address_with_the_key_only_when_a_key_is_configured(string? key, string? address, string? keySent)
    {
        var seen = new ConcurrentQueue<(string Address, string Key)>();
        await using var gateway = await LoopbackHttpServer.StartAsync(app => app.MapPost("/v1/auth/signin", (HttpContext context) =>
        {
            seen.Enqueue((context.Request.Headers["X-Web-Client-Address"].ToString(), context.Request.Headers["X-Web-Client-Key"].ToString()));
            return Results.Problem(statusCode: 401, detail: "Invalid email or password");
        }), Cancellation);
        var client = new GatewayAuthClient(
            new HttpClient { BaseAddress = gateway.BaseAddress }, Options.Create(new WebClientOptions { WebClientKey = key }));

        await Assert.ThrowsAsync<GatewayException>(() => client.SignInAsync("a@example.com", "wrong", IPAddress.Parse("203.0.113.7"), Cancellation));

        var (sentAddress, sentKey) = Assert.Single(seen);
        Assert.Equal(address ?? "", sentAddress);
        Assert.Equal(keySent ?? "", sentKey);
    }

    [Fact]
    public async Task A_challenge_answer_is_returned_as_such_and_the_code_step_posts_it_back_with_the_address()
    {
        var seen = new ConcurrentQueue<(string Body, string Address)>();
        await using var gateway = await LoopbackHttpServer.StartAsync(app =>
        {
            app.MapPost("/v1/auth/signin", () => Results.Json(new { challenge = "signed-challenge", expiresIn = 300, twoFactorRequired = true }, statusCode: 202));
            app.MapPost("/v1/auth/signin/two-factor", async (HttpContext context) =>
            {
                seen.Enqueue((await new StreamReader(context.Request.Body).ReadToEndAsync(), context.Request.Headers["X-Web-Client-Address"].ToString()));
                return Results.Json(new { accessToken = "a", refreshToken = "r", expiresIn = 900, user = new { id = Guid.Empty, email = "a@example.com", role = "user", tier = "free" } });
            });
        }, Cancellation);
        var key = "a-web-client-key-of-at-least-32-characters";
        var client = new GatewayAuthClient(new HttpClient { BaseAddress = gateway.BaseAddress }, Options.Create(new WebClientOptions { WebClientKey = key }));

        var outcome = await client.SignInAsync("a@example.com", "right", IPAddress.Parse("203.0.113.7"), Cancellation);
        var tokens = await client.CompleteTwoFactorAsync(outcome.Challenge!, "123456", IPAddress.Parse("203.0.113.7"), Cancellation);

        Assert.Null(outcome.Tokens);
        Assert.Equal("signed-challenge", outcome.Challenge);
        Assert.Equal("a", tokens.AccessToken);
        var (body, address) = Assert.Single(seen);
        Assert.Equal("""{"challenge":"signed-challenge","code":"123456"}""", body);
        Assert.Equal("203.0.113.7", address);
    }

    [Theory]
    [InlineData("/v1/auth/signin", "a-web-client-key-of-at-least-32-characters", "Mozilla/5.0 (iPhone) Safari/604.1")]
    [InlineData("/v1/auth/register", "a-web-client-key-of-at-least-32-characters", "Mozilla/5.0 (iPhone) Safari/604.1")]
    [InlineData("/v1/auth/signin", null, "")]
    [InlineData("/v1/auth/register", null, "")]
    public async Task Sign_in_and_sign_up_pass_the_browsers_user_agent_beside_the_key_only(string path, string? key, string agentSent)
    {
        var seen = new ConcurrentQueue<string>();
        await using var gateway = await LoopbackHttpServer.StartAsync(app => app.MapPost(path, (HttpContext context) =>
        {
            seen.Enqueue(context.Request.Headers["X-Web-Client-User-Agent"].ToString());
            return Results.Problem(statusCode: 401, detail: "Invalid email or password");
        }), Cancellation);
        var client = new GatewayAuthClient(
            new HttpClient { BaseAddress = gateway.BaseAddress }, Options.Create(new WebClientOptions { WebClientKey = key }));
        const string browser = "Mozilla/5.0 (iPhone) Safari/604.1";

        await Assert.ThrowsAsync<GatewayException>(() => path.EndsWith("signin", StringComparison.Ordinal)
            ? (Task)client.SignInAsync("a@example.com", "wrong", IPAddress.Parse("203.0.113.7"), Cancellation, browser)
            : client.RegisterAsync("a@example.com", "wrong", Cancellation, IPAddress.Parse("203.0.113.7"), browser));

        Assert.Equal(agentSent, Assert.Single(seen));
    }
}
