using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using ChatPlatform.Gateway.Model;
using ChatPlatform.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ChatPlatform.Gateway.Tests.Apis;

/// <summary>
/// Single sign-on: access tokens from an external OpenID Connect issuer (a real HTTP server in the test serving its
/// discovery document and signing keys) are accepted beside the gateway's own and mapped to local users.
/// </summary>
public sealed class ExternalIssuerTests(PostgresFixture postgres, RedisFixture redis) : IAsyncLifetime
{
    private const string Audience = "chatplatform-sso";
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    private readonly RSA _issuerKey = RSA.Create(2048);
    private LoopbackHttpServer? _issuer;
    private GatewayHost? _gateway;

    private string Issuer => _issuer!.BaseAddress.ToString().TrimEnd('/');

    private GatewayHost Gateway => _gateway!;

    public async ValueTask InitializeAsync()
    {
        var publicKey = _issuerKey.ExportParameters(includePrivateParameters: false);
        _issuer = await LoopbackHttpServer.StartAsync(routes =>
        {
            routes.MapGet("/.well-known/openid-configuration", (HttpContext context) => Results.Json(new Dictionary<string, object>
            {
                ["issuer"] = Issuer,
                ["jwks_uri"] = $"{Issuer}/keys",
                ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
            }));
            routes.MapGet("/keys", () => Results.Json(new
            {
                keys = new[]
                {
                    new { kty = "RSA", use = "sig", alg = "RS256", kid = "test-key", n = Base64UrlEncoder.Encode(publicKey.Modulus), e = Base64UrlEncoder.Encode(publicKey.Exponent) },
                },
            }));
        }, Cancellation);
        _gateway = await GatewayHost.StartAsync(postgres, redis, new Dictionary<string, string?>
        {
            ["Auth:Oidc:Authority"] = Issuer,
            ["Auth:Oidc:Audience"] = Audience,
            ["Auth:Oidc:RequireHttpsMetadata"] = "false",
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }
        if (_issuer is not null)
        {
            await _issuer.DisposeAsync();
        }
        _issuerKey.Dispose();
    }

    [Fact]
    public async Task A_token_from_the_issuer_signs_in_as_one_local_user_created_on_first_sight()
    {
        var email = GatewayHost.NewEmail();
        var token = Mint("external-subject-1", email);

        var first = await Gateway.CreateClient(token).GetFromJsonAsync<UserInfo>("/v1/me", Cancellation);
        var again = await Gateway.CreateClient(Mint("external-subject-1", email)).GetFromJsonAsync<UserInfo>("/v1/me", Cancellation);

        Assert.NotNull(first);
        Assert.Equal(email, first.Email);
        Assert.Equal(first.Id, again!.Id);
        Assert.Equal(1, await Gateway.CountAsync("external_logins"));
        // The account has no password: no password signs it in.
        using var signIn = await Gateway.CreateClient().PostAsJsonAsync("/v1/auth/signin", new { email, password = GatewayHost.Password }, Cancellation);
        Assert.Equal(HttpStatusCode.Unauthorized, signIn.StatusCode);
    }

    [Fact]
    public async Task The_gateways_own_tokens_still_work_beside_the_issuers()
    {
        var tokens = await Gateway.RegisterAsync();

        using var response = await Gateway.CreateClient(tokens.AccessToken).GetAsync("/v1/me", Cancellation);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_token_for_another_audience_or_signed_by_another_key_or_expired_answers_401()
    {
        using var otherKey = RSA.Create(2048);
        var now = DateTime.UtcNow;

        Assert.Equal(HttpStatusCode.Unauthorized, await MeStatusAsync(Mint("s", GatewayHost.NewEmail(), audience: "someone-else")));
        Assert.Equal(HttpStatusCode.Unauthorized, await MeStatusAsync(Mint("s", GatewayHost.NewEmail(), key: otherKey)));
        Assert.Equal(HttpStatusCode.Unauthorized, await MeStatusAsync(Mint("s", GatewayHost.NewEmail(), issuedAt: now.AddMinutes(-30), expires: now.AddMinutes(-10))));
        Assert.Equal(0, await Gateway.CountAsync("external_logins"));
    }

    [Fact]
    public async Task An_unverified_email_of_an_existing_local_account_is_refused_and_a_verified_one_is_linked()
    {
        var email = GatewayHost.NewEmail();
        var local = await Gateway.RegisterAsync(email);

        var unverified = await MeStatusAsync(Mint("subject-unverified", email, emailVerified: false));
        var linked = await Gateway.CreateClient(Mint("subject-verified", email, emailVerified: true)).GetFromJsonAsync<UserInfo>("/v1/me", Cancellation);

        Assert.Equal(HttpStatusCode.Unauthorized, unverified);
        Assert.Equal(local.User.Id, linked!.Id);
    }

    [Fact]
    public async Task An_account_without_a_password_is_deleted_only_after_a_recent_sign_in_at_its_issuer()
    {
        var email = GatewayHost.NewEmail();
        var stale = Mint("subject-deleting", email, authTime: DateTime.UtcNow.AddHours(-1));
        var user = await Gateway.CreateClient(stale).GetFromJsonAsync<UserInfo>("/v1/me", Cancellation);

        using var refused = await Gateway.CreateClient(stale).DeleteAsync("/v1/me", Cancellation);
        using var deleted = await Gateway.CreateClient(Mint("subject-deleting", email, authTime: DateTime.UtcNow)).DeleteAsync("/v1/me", Cancellation);

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("Sign in again", await refused.Content.ReadAsStringAsync(Cancellation), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        await using var dataSource = Npgsql.NpgsqlDataSource.Create(Gateway.DatabaseConnectionString);
        await using var command = dataSource.CreateCommand("SELECT (SELECT count(*) FROM identity.users WHERE id = $1) + (SELECT count(*) FROM identity.external_logins WHERE user_id = $1)");
        command.Parameters.Add(new() { Value = user!.Id });
        Assert.Equal(0L, await command.ExecuteScalarAsync(Cancellation));
    }

    private async Task<HttpStatusCode> MeStatusAsync(string token)
    {
        using var response = await Gateway.CreateClient(token).GetAsync("/v1/me", Cancellation);
        return response.StatusCode;
    }

    private string Mint(string subject, string email, string audience = Audience, RSA? key = null, bool emailVerified = true,
        DateTime? issuedAt = null, DateTime? expires = null, DateTime? authTime = null)
    {
        var now = issuedAt ?? DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = expires ?? now.AddMinutes(10),
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(key ?? _issuerKey) { KeyId = "test-key" }, SecurityAlgorithms.RsaSha256),
            Claims = new Dictionary<string, object>
            {
                ["sub"] = subject,
                ["email"] = email,
                ["email_verified"] = emailVerified,
                ["auth_time"] = new DateTimeOffset(authTime ?? now, TimeSpan.Zero).ToUnixTimeSeconds(),
            },
        });
    }
}
