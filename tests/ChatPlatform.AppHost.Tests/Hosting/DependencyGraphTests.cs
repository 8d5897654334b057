using ChatPlatform.AppHost.Hosting.Orchestration;

namespace ChatPlatform.AppHost.Tests.Hosting;

public sealed class DependencyGraphTests
{
    [Fact]
    public void Every_resource_starts_after_what_it_waits_for_and_references()
    {
        var builder = TestApplications.CreateBuilder();
        var web = builder.AddSleeper("web");
        var gateway = builder.AddSleeper("gateway").WithHttpHealthCheck();
        var redis = builder.AddRedis("redis");
        var postgres = builder.AddPostgres("postgres");
        var chatdb = postgres.AddDatabase("chatdb");
        web.WithReference(gateway).WaitFor(gateway);
        gateway.WithReference(chatdb).WithReference(redis).WaitFor(redis);

        var order = DependencyGraph.StartOrder(builder.Resources).Select(r => r.Name).ToList();

        Assert.True(order.IndexOf("postgres") < order.IndexOf("chatdb"));
        Assert.True(order.IndexOf("chatdb") < order.IndexOf("gateway"));
        Assert.True(order.IndexOf("redis") < order.IndexOf("gateway"));
        Assert.True(order.IndexOf("gateway") < order.IndexOf("web"));
        Assert.Equal(order.AsEnumerable().Reverse(), DependencyGraph.StopOrder(builder.Resources).Select(r => r.Name));
    }

    [Fact]
    public void A_cycle_is_refused_when_the_model_is_built_naming_its_members()
    {
        var builder = TestApplications.CreateBuilder();
        var a = builder.AddSleeper("a");
        var b = builder.AddSleeper("b").WaitFor(a);
        a.WaitFor(b);

        var error = Assert.Throws<DistributedApplicationException>(() => builder.Build());

        Assert.Contains("a -> b -> a", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_resources_with_one_name_are_refused()
    {
        var builder = TestApplications.CreateBuilder();
        builder.AddRedis("cache");

        Assert.Throws<DistributedApplicationException>(() => builder.AddRedis("cache"));
    }

    [Theory]
    [InlineData("Gateway")]
    [InlineData("model_router")]
    [InlineData("-web")]
    public void Resource_names_must_be_kebab_case(string name)
    {
        var builder = TestApplications.CreateBuilder();

        Assert.Throws<ArgumentException>(() => builder.AddRedis(name));
    }
}
