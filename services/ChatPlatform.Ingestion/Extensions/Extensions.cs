using ChatPlatform.EventLog;
using ChatPlatform.Identity;
using ChatPlatform.Ingestion.Apis;
using ChatPlatform.Ingestion.Files;
using ChatPlatform.Ingestion.Infrastructure;
using ChatPlatform.Postgres;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ChatPlatform.Ingestion.Extensions;

internal static class Extensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        // Callers prove who they act for with an internal token the gateway (or chat, for a turn) mints.
        builder.AddInternalAuthentication();
        builder.AddChatDatabase("ingestion", typeof(Program).Assembly);
        builder.AddEventLog();
        builder.AddBlobServiceClient("blobs");

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddOptions<FilesOptions>().BindConfiguration(FilesOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddScoped<CurrentUser>();
        builder.Services.AddSingleton<FileStore>();
        builder.Services.AddSingleton<FileBlobs>();
        builder.Services.AddSingleton<FileUploader>();
        builder.Services.AddHostedService<BlobContainersInitializer>();
        builder.Services.AddSingleton<AbandonedUploadSweeper>();
        builder.Services.AddHostedService(services => services.GetRequiredService<AbandonedUploadSweeper>());
    }
}
