using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ChatPlatform.ServiceDefaults.Tests;

public sealed class HealthEndpointsTests
{
    private static Task<ServiceHost> StartWithDependencyAsync(bool dependencyUp) => ServiceHost.StartAsync(
        builder => builder.Services.AddHealthChecks().AddCheck(
            "chatdb",
            () => dependencyUp ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("down", new InvalidOperationException("Password=hunter2")),
            ["ready"]),
        _ => { });

    [Fact]
    public async Task Health_reports_each_dependency_and_is_ready_when_all_are_up()
    {
        await using var service = await StartWithDependencyAsync(dependencyUp: true);

        using var response = await service.Client.GetAsync(new Uri("/health", UriKind.Relative), TestContext.Current.CancellationToken);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", body.GetProperty("status").GetString());
        Assert.Equal("Healthy", body.GetProperty("checks").GetProperty("chatdb").GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_dependency_down_makes_health_503_but_the_process_stays_alive()
    {
        await using var service = await StartWithDependencyAsync(dependencyUp: false);
        var ct = TestContext.Current.CancellationToken;

        using var health = await service.Client.GetAsync(new Uri("/health", UriKind.Relative), ct);
        using var alive = await service.Client.GetAsync(new Uri("/alive", UriKind.Relative), ct);
        var body = await health.Content.ReadAsStringAsync(ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        Assert.Contains("Unhealthy", body, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
    }
}
