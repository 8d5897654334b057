using System.Text.Json;
using ChatPlatform.Testing;
using ChatPlatform.Web.Infrastructure;
using ChatPlatform.Web.Services;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace ChatPlatform.Web.Tests.Services;

/// <summary>The session's tokens against a real HTTP peer standing in for the gateway's <c>/v1/auth/refresh</c>.</summary>
public sealed class SessionRefresherTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 10, 9, 0, 0, TimeSpan.Zero));
    private readonly SessionTokenStore _store;
    private readonly List<string> _refreshTokensSeen = [];
    private LoopbackHttpServer _gateway = default!;
    private HttpClient _http = default!;
    private bool _refuse;

    public SessionRefresherTests() => _store = new SessionTokenStore(_time);

    public async ValueTask InitializeAsync()
    {
        _gateway = await LoopbackHttpServer.StartAsync(app => app.MapPost("/v1/auth/refresh", async (HttpContext context) =>
        {
            var body = await JsonSerializer.DeserializeAsync<JsonElement>(context.Request.Body);
            var token = body.GetProperty("refreshToken").GetString()!;
            lock (_refreshTokensSeen)
            {
                _refreshTokensSeen.Add(token);
            }
            // A moment inside the refresh, so concurrent callers really overlap.
            await Task.Delay(50);
            return _refuse
                ? Results.Problem(statusCode: 401, detail: "The refresh token is not valid.")
                : Results.Ok(new
                {
                    accessToken = "access-" + _refreshTokensSeen.Count,
                    refreshToken = "refresh-" + _refreshTokensSeen.Count,
                    expiresIn = 900,
                    user = new { id = Guid.NewGuid(), email = "a@example.com", role = "user", tier = "free" },
                });
        }), TestContext.Current.CancellationToken);
        _http = new HttpClient { BaseAddress = _gateway.BaseAddress };
    }

    private SessionRefresher Refresher() => new(_store, new GatewayAuthClient(_http, Microsoft.Extensions.Options.Options.Create(new WebClientOptions())), _time, NullLogger<SessionRefresher>.Instance);

    private SessionTokens CookieTokens(TimeSpan validFor) => new("access-0", "refresh-0", _time.GetUtcNow() + validFor);

    [Fact]
    public async Task Tokens_far_from_expiry_are_used_as_they_are()
    {
        var cookie = CookieTokens(TimeSpan.FromMinutes(10));

        var current = await Refresher().CurrentAsync("s1", cookie, TestContext.Current.CancellationToken);

        Assert.Same(cookie, current);
        Assert.Empty(_refreshTokensSeen);
    }

    [Fact]
    public async Task An_expiring_token_is_refreshed_once_for_concurrent_callers_and_kept_for_the_session()
    {
        var cookie = CookieTokens(TimeSpan.FromSeconds(30));
        var refresher = Refresher();

        var all = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => refresher.CurrentAsync("s1", cookie, TestContext.Current.CancellationToken)));

        Assert.Equal(["refresh-0"], _refreshTokensSeen);
        Assert.All(all, tokens => Assert.Equal("access-1", tokens!.AccessToken));
        Assert.Equal("refresh-1", _store.Find("s1")!.RefreshToken);
        Assert.Equal(_time.GetUtcNow().AddSeconds(900), _store.Find("s1")!.ExpiresAt);
        // The next request of the session takes the new tokens, not the spent ones still in its cookie.
        Assert.Equal("access-1", (await refresher.CurrentAsync("s1", cookie, TestContext.Current.CancellationToken))!.AccessToken);
        Assert.Single(_refreshTokensSeen);
    }

    [Fact]
    public async Task A_refused_refresh_ends_the_session()
    {
        _refuse = true;
        _store.Save("s1", CookieTokens(TimeSpan.Zero));

        var current = await Refresher().CurrentAsync("s1", CookieTokens(TimeSpan.Zero), TestContext.Current.CancellationToken);

        Assert.Null(current);
        Assert.Null(_store.Find("s1"));
    }

    [Fact]
    public async Task An_unreachable_gateway_is_told_apart_from_a_refused_refresh()
    {
        await _gateway.DisposeAsync();

        var error = await Assert.ThrowsAsync<GatewayException>(() =>
            Refresher().CurrentAsync("s1", CookieTokens(TimeSpan.Zero), TestContext.Current.CancellationToken));

        Assert.Equal(0, error.Status);
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _gateway.DisposeAsync();
    }

    [Fact]
    public void Sessions_unused_past_their_lifetime_are_forgotten()
    {
        _store.Save("old", CookieTokens(TimeSpan.FromMinutes(15)));
        _time.Advance(SessionTokenStore.SessionLifetime + TimeSpan.FromHours(1));

        _store.Save("new", CookieTokens(TimeSpan.FromMinutes(15)));

        Assert.Null(_store.Find("old"));
        Assert.NotNull(_store.Find("new"));
        Assert.Equal(1, _store.Count);
    }
}
