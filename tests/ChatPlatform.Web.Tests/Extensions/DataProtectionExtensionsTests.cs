using ChatPlatform.Testing;
using ChatPlatform.Web.Extensions;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;

namespace ChatPlatform.Web.Tests.Extensions;

/// <summary>Web replicas share one data-protection key ring in Redis, so a cookie one issued is read by the others.</summary>
public sealed class DataProtectionExtensionsTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    [Fact]
    public async Task Two_instances_sharing_Redis_read_each_others_protected_payloads()
    {
        using var first = Instance(redis.ConnectionString, "replica-a");
        using var second = Instance(redis.ConnectionString, "replica-b");

        var fromFirst = Protector(first).Protect("session of replica a");
        var fromSecond = Protector(second).Protect("session of replica b");

        Assert.Equal("session of replica a", Protector(second).Unprotect(fromFirst));
        Assert.Equal("session of replica b", Protector(first).Unprotect(fromSecond));
        // The ring is in Redis, not in a folder both instances happen to share on this machine.
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var keys = await connection.GetDatabase().ListRangeAsync(DataProtectionExtensions.KeyRingKey);
        Assert.Contains(keys, key => key.ToString().Contains("<key ", StringComparison.Ordinal));
    }

    [Fact]
    public void Without_a_Redis_connection_string_the_key_ring_stays_local()
    {
        using var instance = Instance(connectionString: null, "replica-a");

        var options = instance.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.DataProtection.KeyManagement.KeyManagementOptions>>().Value;

        Assert.IsNotType<Microsoft.AspNetCore.DataProtection.StackExchangeRedis.RedisXmlRepository>(options.XmlRepository);
    }

    private static IDataProtector Protector(ServiceProvider services) =>
        services.GetRequiredService<IDataProtectionProvider>().CreateProtector("cookies");

    // Each instance has its own content root, as replicas on different machines would (the default application name
    // derives from it).
    private static ServiceProvider Instance(string? connectionString, string contentRoot)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings
        {
            ContentRootPath = Directory.CreateTempSubdirectory("dp-" + contentRoot).FullName,
        });
        if (connectionString is not null)
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:redis"] = connectionString });
        }
        builder.AddSharedDataProtection();
        return builder.Services.BuildServiceProvider();
    }
}
