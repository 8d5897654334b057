using ChatPlatform.ModelRouter.Extensions;
using ChatPlatform.ModelRouter.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ChatPlatform.ModelRouter.Tests.Routing;

public sealed class RoutingOptionsTests
{
    [Fact]
    public void Defaults_are_thirty_second_timeouts_no_hedging_and_no_content()
    {
        var options = Bind([]);

        Assert.Equal(TimeSpan.FromSeconds(30), options.FirstTokenTimeout);
        Assert.Equal(TimeSpan.FromSeconds(30), options.InterTokenTimeout);
        Assert.Empty(options.Hedging.Models);
        Assert.False(options.RecordContent);
    }

    [Fact]
    public void The_Routing_section_sets_timeouts_hedged_models_and_the_circuit_breaker()
    {
        var options = Bind(new Dictionary<string, string?>
        {
            ["Routing:FirstTokenTimeout"] = "00:00:05",
            ["Routing:InterTokenTimeout"] = "00:00:10",
            ["Routing:RecordContent"] = "true",
            ["Routing:Hedging:Models:0"] = "sim-smart",
            ["Routing:Hedging:Percentile"] = "0.95",
            ["Routing:CircuitBreaker:BreakDuration"] = "00:01:00",
            ["Routing:CircuitBreaker:MinimumThroughput"] = "10",
        });

        Assert.Equal(TimeSpan.FromSeconds(5), options.FirstTokenTimeout);
        Assert.Equal(TimeSpan.FromSeconds(10), options.InterTokenTimeout);
        Assert.True(options.RecordContent);
        Assert.Equal(["sim-smart"], options.Hedging.Models);
        Assert.Equal(0.95, options.Hedging.Percentile);
        Assert.Equal(TimeSpan.FromMinutes(1), options.CircuitBreaker.BreakDuration);
        Assert.Equal(10, options.CircuitBreaker.MinimumThroughput);
    }

    private static RoutingOptions Bind(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddChatRouting();
        using var services = builder.Services.BuildServiceProvider();
        return services.GetRequiredService<IOptions<RoutingOptions>>().Value;
    }
}
