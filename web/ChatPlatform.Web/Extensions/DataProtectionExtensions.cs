using Microsoft.AspNetCore.DataProtection;
using StackExchange.Redis;

namespace ChatPlatform.Web.Extensions;

public static class DataProtectionExtensions
{
    /// <summary>The one Redis list every web replica keeps its data-protection key ring in.</summary>
    public const string KeyRingKey = "chatplatform:web:data-protection-keys";

    private const string ApplicationName = "ChatPlatform.Web";

    /// <summary>
    /// Session cookies and antiforgery tokens are protected with the key ring: with a Redis connection string
    /// (ConnectionStrings:redis) every replica shares one ring, so a cookie one replica issued is read by the others
    /// after a scale-out or a restart. Without it (one local instance) the default per-machine folder is kept. The keys
    /// sit in Redis unencrypted, behind its password and TLS.
    /// </summary>
    public static void AddSharedDataProtection(this IHostApplicationBuilder builder)
    {
        // A fixed name: the default derives from the content root, which need not match between replicas.
        var dataProtection = builder.Services.AddDataProtection().SetApplicationName(ApplicationName);
        var connectionString = builder.Configuration.GetConnectionString("redis");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return;
        }
        var options = ConfigurationOptions.Parse(connectionString);
        // Connected on first use, and retried rather than failing the start while Redis is briefly away.
        options.AbortOnConnectFail = false;
        var connection = new Lazy<IConnectionMultiplexer>(() => ConnectionMultiplexer.Connect(options));
        dataProtection.PersistKeysToStackExchangeRedis(() => connection.Value.GetDatabase(), KeyRingKey);
    }
}
