using System.Security.Claims;
using Bunit;
using ChatPlatform.Testing;
using ChatPlatform.Web.Components.Chat;
using ChatPlatform.Web.Infrastructure;
using ChatPlatform.Web.Services;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace ChatPlatform.Web.Tests.Components;

/// <summary>
/// A bUnit context whose <see cref="GatewayClient"/> talks to a real HTTP server standing in for the gateway, with the
/// routes the test class maps, and a signed-in person whose access token it sends.
/// </summary>
public abstract class FakeGatewayContext : BunitContext, IAsyncLifetime
{
    protected const string AccessToken = "fake-gateway-access-token";

    private LoopbackHttpServer _gateway = default!;

    /// <summary>6 December 2026, 19:00 UTC: five hours before the next UTC day.</summary>
    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 12, 6, 19, 0, 0, TimeSpan.Zero));

    protected static CancellationToken Cancellation => Xunit.TestContext.Current.CancellationToken;

    protected abstract void MapGateway(IEndpointRouteBuilder gateway);

    public async ValueTask InitializeAsync()
    {
        _gateway = await LoopbackHttpServer.StartAsync(MapGateway, Cancellation);

        JSInterop.Mode = JSRuntimeMode.Loose;
        var auth = AddAuthorization();
        auth.SetAuthorized("a@example.com");
        auth.SetClaims(
            new Claim(SessionTokens.SessionIdClaim, "session-1"),
            new Claim(SessionTokens.AccessTokenClaim, AccessToken),
            new Claim(SessionTokens.RefreshTokenClaim, "refresh"),
            new Claim(SessionTokens.ExpiresAtClaim, Time.GetUtcNow().AddHours(1).ToUnixTimeSeconds().ToString()));
        Services.AddLogging();
        Services.AddSingleton<TimeProvider>(Time);
        Services.AddSingleton<SessionTokenStore>();
        Services.AddSingleton<SessionRefresher>();
        Services.AddSingleton<MarkdownRenderer>();
        Services.AddSingleton(Options.Create(new WebClientOptions()));
        Services.AddHttpClient<GatewayAuthClient>(client => client.BaseAddress = _gateway.BaseAddress);
        Services.AddHttpClient(GatewayClient.HttpClientName, client => client.BaseAddress = _gateway.BaseAddress);
        Services.AddHttpClient(GatewayClient.StreamingHttpClientName, client => client.BaseAddress = _gateway.BaseAddress);
        Services.AddScoped<UserSession>();
        Services.AddScoped<GatewayClient>();
        Services.AddScoped<ConversationFeedback>();
        Services.AddSingleton<AntiforgeryStateProvider>(new FixedAntiforgery());
    }

    public new async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await _gateway.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    private sealed class FixedAntiforgery : AntiforgeryStateProvider
    {
        public override AntiforgeryRequestToken? GetAntiforgeryToken() => new("token", "__RequestVerificationToken");
    }
}
