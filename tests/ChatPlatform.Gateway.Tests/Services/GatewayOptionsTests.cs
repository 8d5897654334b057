using ChatPlatform.Gateway.Services;
using ChatPlatform.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ChatPlatform.Gateway.Tests.Services;

public sealed class GatewayOptionsTests(PostgresFixture postgres, RedisFixture redis)
{
    [Fact]
    public async Task A_tier_section_changes_only_the_limits_it_names()
    {
        var options = await OptionsAsync<RateLimitOptions>(new Dictionary<string, string?>
        {
            ["RateLimits:Tiers:pro:RequestsPerMinute"] = "1000",
            ["RateLimits:Tiers:team:TurnsPerMinute"] = "50",
        });

        Assert.Equal((1000, 120), (options.For("PRO").RequestsPerMinute, options.For("PRO").TurnsPerMinute));
        Assert.Equal((120, 50), (options.For("team").RequestsPerMinute, options.For("team").TurnsPerMinute));
        Assert.Equal((120, 20), (options.For("unknown").RequestsPerMinute, options.For(null).TurnsPerMinute));
        Assert.Equal(TimeSpan.FromSeconds(60), options.Window);
    }

    [Fact]
    public async Task A_limit_that_is_not_positive_stops_start_up()
    {
        await using var host = await GatewayHost.StartAsync(
            postgres, redis, new Dictionary<string, string?> { ["RateLimits:Tiers:pro:TurnsPerMinute"] = "0" });

        var error = StartUpFailure.Of(host);

        Assert.Contains("RateLimits:Tiers:pro:TurnsPerMinute must be a positive whole number.", error.Message);
    }

    [Fact]
    public async Task An_external_issuer_without_an_audience_stops_start_up()
    {
        await using var host = await GatewayHost.StartAsync(
            postgres, redis, new Dictionary<string, string?> { ["Auth:Oidc:Authority"] = "https://login.example.com/" });

        var error = StartUpFailure.Of(host);

        Assert.Contains("Auth:Oidc:Audience is required with Auth:Oidc:Authority.", error.Message);
    }

    [Theory]
    [InlineData("", "Internal:Key is not configured")]
    [InlineData("c2hvcnQ=", "Internal:Key must decode to at least 32 bytes")]
    [InlineData("AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=", "Internal:Key must differ from Auth:SigningKey")]
    public async Task A_missing_short_or_reused_internal_key_stops_start_up_in_every_environment(string key, string message)
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis, new Dictionary<string, string?> { [InternalTokens.Setting] = key });

        var error = StartUpFailure.Of(host);

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_signing_key_that_is_not_base64_stops_start_up_without_showing_it()
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis, new Dictionary<string, string?> { ["Auth:SigningKey"] = "not base64!" });
        using var production = host.WithWebHostBuilder(builder => builder.UseEnvironment("Production"));

        var error = StartUpFailure.Of(production);

        Assert.Contains("Auth:SigningKey is not valid base64.", error.Message);
        Assert.DoesNotContain("not base64!", error.Message);
    }

    [Fact]
    public async Task Blank_auth_values_mean_the_defaults_and_the_admin_email_is_compared_lower_case()
    {
        var options = await OptionsAsync<AuthOptions>(new Dictionary<string, string?>
        {
            ["Auth:Issuer"] = " ",
            ["Auth:AdminEmail"] = " Admin@Example.com ",
        });

        Assert.Equal("chatplatform", options.Issuer);
        Assert.Equal("admin@example.com", options.AdminEmail);
        Assert.False(options.Oidc.IsConfigured);
    }

    /// <summary>The options as the gateway's own start-up binds them.</summary>
    private async Task<T> OptionsAsync<T>(Dictionary<string, string?> settings)
        where T : class
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis, settings);
        return host.Services.GetRequiredService<IOptions<T>>().Value;
    }
}
