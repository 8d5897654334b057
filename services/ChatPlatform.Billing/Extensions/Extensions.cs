using ChatPlatform.Billing.Accounts;
using ChatPlatform.Billing.Ledger;
using ChatPlatform.Audit;
using ChatPlatform.Billing.Pricing;
using ChatPlatform.Billing.Quotas;
using ChatPlatform.Quotas;
using ChatPlatform.EventLog;
using ChatPlatform.Identity;
using ChatPlatform.Postgres;
using ChatPlatform.Redis;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ChatPlatform.Billing.Extensions;

internal static class Extensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        // Callers prove who they act for with an internal token the gateway mints; billing mints its own for the router.
        builder.AddInternalAuthentication();
        builder.AddChatDatabase("billing", typeof(Program).Assembly);
        builder.AddEventLog();
        builder.AddRedis("redis");

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddOptions<PricingOptions>().BindConfiguration(PricingOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddHttpClient(ModelPrices.HttpClientName, client => client.BaseAddress = new Uri("http://model-router"))
            .AddInternalToken();
        builder.Services.AddSingleton<ModelPrices>();
        builder.Services.AddSingleton<LedgerStore>();
        builder.Services.AddSingleton<UsageQueries>();
        builder.Services.AddSingleton<LedgerExport>();
        builder.Services.AddQuotas();
        builder.Services.AddSingleton(services => new AdminAuditLog(services.GetRequiredService<Npgsql.NpgsqlDataSource>(), "billing"));
        builder.Services.AddSingleton<QuotaOverrideStore>();
        builder.Services.AddSingleton<QuotaLedger>();
        builder.Services.AddSingleton<QuotaSettler>();
        builder.Services.AddSingleton<QuotaStatusReader>();
        builder.Services.AddSingleton<QuotaRebuilder>();
        builder.Services.AddHostedService(services => services.GetRequiredService<QuotaRebuilder>());
        builder.Services.AddSingleton<AccountDeletions>();

        // Partitioned by user: a slow price look-up holds back only some users, and one user's entries (and their
        // aggregate rows) are only ever written by one consumer.
        builder.AddPartitionedEventConsumers<UsageRecorder>(UsageRecorder.ConsumerName, UsageRecorder.Partitions, UsageRecorder.Configure);
    }
}
