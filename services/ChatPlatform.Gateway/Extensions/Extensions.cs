using ChatPlatform.Postgres;
using ChatPlatform.Redis;

namespace ChatPlatform.Gateway.Extensions;

internal static class Extensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddChatDatabase("identity", typeof(Program).Assembly);
        builder.AddRedisClient("redis");
    }
}
