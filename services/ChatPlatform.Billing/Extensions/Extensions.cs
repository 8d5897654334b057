using ChatPlatform.EventLog;
using ChatPlatform.Postgres;
using ChatPlatform.Redis;

namespace ChatPlatform.Billing.Extensions;

internal static class Extensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddChatDatabase("billing", typeof(Program).Assembly);
        builder.AddEventLog();
        builder.AddRedis("redis");
    }
}
