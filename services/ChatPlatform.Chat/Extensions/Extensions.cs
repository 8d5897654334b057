using ChatPlatform.Chat.Infrastructure;
using ChatPlatform.Chat.Services;
using ChatPlatform.EventLog;
using ChatPlatform.Postgres;
using ChatPlatform.Redis;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ChatPlatform.Chat.Extensions;

internal static class Extensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddChatDatabase("chat", typeof(Program).Assembly);
        builder.AddEventLog();
        builder.AddRedisClient("redis");

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddScoped<CurrentUser>();
        builder.Services.AddSingleton<ConversationStore>();
    }
}
