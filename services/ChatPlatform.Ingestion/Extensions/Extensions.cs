using ChatPlatform.Ingestion.Previews;
using ChatPlatform.EventLog;
using ChatPlatform.Identity;
using ChatPlatform.Ingestion.Apis;
using ChatPlatform.Ingestion.Deleting;
using ChatPlatform.Ingestion.Extraction;
using ChatPlatform.Ingestion.Files;
using ChatPlatform.Ingestion.Infrastructure;
using ChatPlatform.Ingestion.Processing;
using ChatPlatform.Ingestion.Retrieval;
using ChatPlatform.Ingestion.Scanning;
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
        builder.Services.AddSingleton<FileStore>();
        builder.Services.AddSingleton<FileBlobs>();
        builder.Services.AddSingleton<FileUploader>();
        builder.Services.AddHostedService<BlobContainersInitializer>();
        builder.Services.AddSingleton<AbandonedUploadSweeper>();
        builder.Services.AddHostedService(services => services.GetRequiredService<AbandonedUploadSweeper>());

        builder.AddExtraction();
        builder.Services.AddSingleton<PdfPagePreviewer>();
        builder.AddVirusScanning();
        builder.AddRetrieval();

        // Scan, extract, chunk and embed each uploaded file off the request path, in partitions by user, so one user's
        // many files hold back only the few users who share their partition; the files in work at once are bounded
        // by Processing:ConcurrentFiles. Processing:Enabled=false runs the API alone, for replicas that only take
        // uploads while others process them.
        builder.Services.AddOptions<ProcessingOptions>().BindConfiguration(ProcessingOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<ProcessingStore>();
        builder.Services.AddSingleton<ProcessingSlots>();
        if (builder.Configuration.GetValue($"{ProcessingOptions.SectionName}:{nameof(ProcessingOptions.Enabled)}", true))
        {
            builder.AddPartitionedEventConsumers<FileProcessor>(FileProcessor.ConsumerName, FileProcessor.Partitions);
        }
        // Deleting runs whether or not this instance processes files, on its own offsets: a file being extracted does
        // not hold back a deletion. Partitioned like processing, so one account's many files do not
        // hold back another user's conversation.
        builder.AddPartitionedEventConsumers<FileDeletions>(FileDeletions.ConsumerName, count: 2);
    }
}
