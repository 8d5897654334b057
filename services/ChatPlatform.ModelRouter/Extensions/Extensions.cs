using ChatPlatform.Postgres;
using ChatPlatform.Redis;

namespace ChatPlatform.ModelRouter.Extensions;

internal static class Extensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddChatDatabase("router", typeof(Program).Assembly);
        builder.AddRedisClient("redis");
    }
}
