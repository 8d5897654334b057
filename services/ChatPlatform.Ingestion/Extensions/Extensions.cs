using ChatPlatform.Ingestion.Extraction;
using ChatPlatform.Ingestion.Infrastructure;
using ChatPlatform.Ingestion.Scanning;
using ChatPlatform.Postgres;

namespace ChatPlatform.Ingestion.Extensions;

internal static class Extensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddChatDatabase("ingestion", typeof(Program).Assembly);
        builder.AddBlobServiceClient("blobs");
        builder.AddExtraction();
        builder.AddVirusScanning();
    }
}
