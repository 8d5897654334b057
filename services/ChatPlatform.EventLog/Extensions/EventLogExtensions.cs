using Azure.Core;
using Azure.Identity;
using ChatPlatform.EventLog.Kafka;
using ChatPlatform.Postgres;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ChatPlatform.EventLog;

public static class EventLogExtensions
{
    /// <summary>The connection string that, when set, puts the consumers on Kafka (see <see cref="KafkaEventLogOptions"/>).</summary>
    public const string KafkaConnectionName = "kafka";

    /// <summary>
    /// Registers <see cref="IEventLog"/> and migrates schema "events" in the shared database (see <c>AddChatDatabase</c>).
    /// With <c>ConnectionStrings:kafka</c> set, also runs the relay that publishes the log to Kafka (one instance across
    /// every service at a time; the others stand by).
    /// </summary>
    public static IHostApplicationBuilder AddEventLog(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddChatDatabase(EventLog.Schema, typeof(EventLog).Assembly);
        builder.Services.AddMetrics();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<EventLogTelemetry>();
        builder.Services.TryAddSingleton<IEventLog, EventLog>();
        builder.Services.TryAddSingleton<LogSession>();
        if (UsesKafka(builder) && !builder.Services.Any(d => d.ServiceType == typeof(KafkaClients)))
        {
            builder.Services.AddOptions<KafkaEventLogOptions>().BindConfiguration(KafkaEventLogOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
            var connectionString = builder.Configuration.GetConnectionString(KafkaConnectionName)!;
            builder.Services.AddSingleton(services => KafkaConnection.Parse(
                connectionString, services.GetRequiredService<IOptions<KafkaEventLogOptions>>().Value.Authentication));
            // In Azure the app's managed identity; tests put a credential of their own under this key first.
            builder.Services.TryAddKeyedSingleton<TokenCredential>(KafkaConnectionName, (_, _) => new DefaultAzureCredential());
            builder.Services.AddSingleton(services =>
            {
                var connection = services.GetRequiredService<KafkaConnection>();
                var tokens = connection.TokenScope is { } scope
                    ? new KafkaTokenSource(
                        services.GetRequiredKeyedService<TokenCredential>(KafkaConnectionName), scope, services.GetRequiredService<ILogger<KafkaTokenSource>>())
                    : null;
                return new KafkaClients(
                    connection, services.GetRequiredService<IOptions<KafkaEventLogOptions>>(), tokens, services.GetRequiredService<ILogger<KafkaClients>>());
            });
            builder.Services.AddHostedService<KafkaRelay>();
        }
        return builder;
    }

    private static bool UsesKafka(IHostApplicationBuilder builder) =>
        !string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString(KafkaConnectionName));

    /// <summary>
    /// Runs a consumer named <paramref name="consumerName"/> in the background: it keeps its own offset and hands each
    /// event to <typeparamref name="THandler"/> (scoped, one scope per event). One instance per name reads at a time;
    /// others stand by. See <see cref="IEventHandler"/> for the delivery guarantees. With <c>ConnectionStrings:kafka</c> set
    /// it reads the Kafka topic instead, as consumer group <paramref name="consumerName"/>, with the same handler.
    /// </summary>
    public static IHostApplicationBuilder AddEventConsumer<THandler>(
        this IHostApplicationBuilder builder, string consumerName, Action<EventConsumerOptions>? configure = null)
        where THandler : class, IEventHandler
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(consumerName);
        var options = new EventConsumerOptions();
        configure?.Invoke(options);
        options.Validate(consumerName);

        builder.AddEventLog();
        if (builder.Services.FirstOrDefault(d => d.ServiceType == typeof(ConsumerNames))?.ImplementationInstance is not ConsumerNames names)
        {
            names = new ConsumerNames();
            builder.Services.AddSingleton(names);
        }
        if (!names.Add(consumerName))
        {
            throw new InvalidOperationException($"Event consumer {consumerName} is registered twice; each consumer name keeps one offset.");
        }

        builder.Services.TryAddScoped<THandler>();
        var kafka = UsesKafka(builder);
        builder.Services.AddSingleton<IHostedService>(services =>
        {
            var dispatcher = new EventDispatcher(
                consumerName,
                typeof(THandler),
                options,
                services.GetRequiredService<IServiceScopeFactory>(),
                services.GetRequiredService<EventLogTelemetry>(),
                services.GetRequiredService<TimeProvider>(),
                services.GetRequiredService<ILogger<EventDispatcher>>());
            return kafka
                ? new KafkaEventConsumer(
                    consumerName,
                    options,
                    dispatcher,
                    services.GetRequiredService<KafkaClients>(),
                    services.GetRequiredService<NpgsqlDataSource>(),
                    services.GetRequiredService<MigrationStatus>(),
                    services.GetRequiredService<TimeProvider>(),
                    services.GetRequiredService<ILogger<KafkaEventConsumer>>())
                : new EventConsumer(
                    consumerName,
                    options,
                    dispatcher,
                    services.GetRequiredService<NpgsqlDataSource>(),
                    services.GetRequiredService<LogSession>(),
                    services.GetRequiredService<MigrationStatus>(),
                    services.GetRequiredService<EventLogTelemetry>(),
                    services.GetRequiredService<TimeProvider>(),
                    services.GetRequiredService<ILogger<EventConsumer>>());
        });
        return builder;
    }

    /// <summary>
    /// Runs <paramref name="count"/> consumers named <c>{consumerName}-0</c> to <c>-{count - 1}</c>, each handling the
    /// events whose key falls in its <see cref="EventPartition"/>: a slow event holds back only the keys that share its
    /// partition. Keep <paramref name="count"/> fixed (see <see cref="EventPartition"/>).
    /// </summary>
    public static IHostApplicationBuilder AddPartitionedEventConsumers<THandler>(
        this IHostApplicationBuilder builder, string consumerName, int count, Action<EventConsumerOptions>? configure = null)
        where THandler : class, IEventHandler
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        for (var index = 0; index < count; index++)
        {
            var partition = new EventPartition(index, count);
            builder.AddEventConsumer<THandler>($"{consumerName}-{index}", options =>
            {
                configure?.Invoke(options);
                options.Partition = partition;
            });
        }
        return builder;
    }

    private sealed class ConsumerNames : HashSet<string>
    {
        public ConsumerNames()
            : base(StringComparer.Ordinal)
        {
        }
    }
}
