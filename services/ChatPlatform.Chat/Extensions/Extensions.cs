using ChatPlatform.EventLog;
using ChatPlatform.Postgres;
using ChatPlatform.Redis;

namespace ChatPlatform.Chat.Extensions;

internal static class Extensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddChatDatabase("chat", typeof(Program).Assembly);
        builder.AddEventLog();
        builder.AddRedisClient("redis");
    }
}
