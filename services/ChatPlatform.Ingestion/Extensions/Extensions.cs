using ChatPlatform.Ingestion.Infrastructure;
using ChatPlatform.Ingestion.Retrieval;
using ChatPlatform.Postgres;

namespace ChatPlatform.Ingestion.Extensions;

internal static class Extensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddChatDatabase("ingestion", typeof(Program).Assembly);
        builder.AddBlobServiceClient("blobs");
        builder.AddRetrieval();
    }
}
