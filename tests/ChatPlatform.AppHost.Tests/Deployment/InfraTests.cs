using System.Security.Cryptography;
using System.Text.RegularExpressions;
using ChatPlatform.Testing;
using ChatPlatform.Testing.Servers;

namespace ChatPlatform.AppHost.Tests.Deployment;

/// <summary>
/// infra/ as `azd up` would deploy it, short of Azure: it compiles and lints clean, and every service starts with
/// exactly the settings its container app is given. The gateway once refused to start in Azure because infra/ never
/// gave it its signing key; the start test would have caught it.
/// </summary>
public sealed partial class InfraTests(PostgresFixture postgres, RedisFixture redis) : IClassFixture<PostgresFixture>, IClassFixture<RedisFixture>
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);

    private static readonly IReadOnlyDictionary<string, IProjectMetadata> Projects = new Dictionary<string, IProjectMetadata>
    {
        ["model-router"] = new global::Projects.ChatPlatform_ModelRouter(),
        ["ingestion"] = new global::Projects.ChatPlatform_Ingestion(),
        ["billing"] = new global::Projects.ChatPlatform_Billing(),
        ["chat"] = new global::Projects.ChatPlatform_Chat(),
        ["gateway"] = new global::Projects.ChatPlatform_Gateway(),
        ["web"] = new global::Projects.ChatPlatform_Web(),
    };

    [Fact]
    public async Task Infra_builds_and_lints_without_an_error_or_a_warning()
    {
        var ct = TestContext.Current.CancellationToken;

        var (exitCode, output) = await Infra.RunBicepAsync(["lint", Path.Combine(Infra.Folder, "main.bicep")], ct);

        Assert.True(exitCode == 0 && output.Trim().Length == 0, $"bicep lint:{Environment.NewLine}{output}");
        (exitCode, output) = await Infra.RunBicepAsync(["build", Path.Combine(Infra.Folder, "main.bicep"), "--stdout"], ct);
        Assert.True(exitCode == 0, $"bicep build:{Environment.NewLine}{output}");
        // The settings contract is compiled in: the deployment carries what the tests start the services with.
        Assert.Contains("Auth__SigningKey", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_value_and_secret_the_settings_name_is_one_that_apps_bicep_provides()
    {
        var apps = File.ReadAllText(Path.Combine(Infra.Folder, "modules", "apps.bicep"));
        var valuesStart = apps.IndexOf("var values = {", StringComparison.Ordinal);
        var values = BicepObjectKeys().Matches(apps[valuesStart..apps.IndexOf("\n}", valuesStart, StringComparison.Ordinal)])
            .Select(m => m.Groups["key"].Value).ToHashSet();
        var secretNames = apps[apps.IndexOf("var secretNames", StringComparison.Ordinal)..apps.IndexOf("resource secrets", StringComparison.Ordinal)];

        var settings = Infra.Settings(gpu: true, kafka: true);

        Assert.Equal(Projects.Keys.Order(), settings.Keys.Order());
        foreach (var (service, setting) in settings.SelectMany(s => s.Value.Select(v => (s.Key, v.Value))))
        {
            switch (setting.Kind)
            {
                case InfraSettingKind.Value:
                    Assert.True(values.Contains(setting.Text), $"{service}: apps.bicep has no value '{setting.Text}'.");
                    break;
                case InfraSettingKind.Secret:
                    Assert.True(secretNames.Contains($"'{setting.Text}'", StringComparison.Ordinal), $"{service}: apps.bicep writes no secret '{setting.Text}'.");
                    break;
            }
        }
        // The keys go where they are needed and nowhere else.
        Assert.Equal(["billing", "chat", "gateway", "ingestion", "model-router"], Having(settings, "Internal__Key", "internal-key"));
        Assert.Equal(["gateway"], Having(settings, "Auth__SigningKey", "signing-key"));
        Assert.Equal(["gateway", "web"], Having(settings, "Auth__WebClientKey", "web-client-key"));
        Assert.Equal(["billing", "chat", "gateway", "ingestion", "model-router"], Having(settings, "ConnectionStrings__redis", "redis-connection"));
        // Web's replicas share their data-protection key ring in blob storage, signed in to with the managed identity.
        Assert.Equal(
            ["ingestion", "web"],
            [.. settings.Where(s => s.Value.GetValueOrDefault("ConnectionStrings__blobs") == new InfraSetting(InfraSettingKind.Value, "blobEndpoint")).Select(s => s.Key).Order()]);
        Assert.Equal(new InfraSetting(InfraSettingKind.Value, "identityClientId"), settings["web"]["AZURE_CLIENT_ID"]);
        Assert.Equal(["gateway"], [.. settings.Where(s => s.Value.GetValueOrDefault("Auth__AdminEmail") == new InfraSetting(InfraSettingKind.Value, "adminEmail")).Select(s => s.Key)]);
        Assert.Equal(
            ["OPENAI_COMPATIBLE_BASE_URL", "OPENAI_COMPATIBLE_FAILOVER_MODEL", "OPENAI_COMPATIBLE_MODEL"],
            settings["model-router"].Keys.Except(Infra.Settings()["model-router"].Keys).Order());
        // Event Hubs reaches the services that carry events (as the AppHost's Kafka does), with its sign-in mode and topic.
        Assert.Equal(["billing", "chat", "gateway", "ingestion"], Having(settings, "ConnectionStrings__kafka", "kafka-connection"));
        Assert.All(["billing", "chat", "gateway", "ingestion"], service =>
        {
            Assert.Equal(new InfraSetting(InfraSettingKind.Value, "kafkaAuthentication"), settings[service]["EventLog__Kafka__Authentication"]);
            Assert.Equal(new InfraSetting(InfraSettingKind.Value, "kafkaTopic"), settings[service]["EventLog__Kafka__Topic"]);
            // The managed identity is user-assigned: DefaultAzureCredential finds it by this client id.
            Assert.Equal(new InfraSetting(InfraSettingKind.Value, "identityClientId"), settings[service]["AZURE_CLIENT_ID"]);
        });
        Assert.All(Infra.Settings(gpu: true), s => Assert.DoesNotContain(s.Value.Keys, key => key.Contains("Kafka", StringComparison.OrdinalIgnoreCase)));
    }

    [Fact]
    public void Every_extension_a_migration_creates_is_one_Azure_PostgreSQL_is_told_to_allow()
    {
        var postgres = File.ReadAllText(Path.Combine(Infra.Folder, "modules", "postgres.bicep"));
        var allowed = AllowedExtensions().Match(postgres).Groups["list"].Value.ToUpperInvariant().Split(',').ToHashSet();
        var created = Directory.EnumerateFiles(Path.Combine(Infra.RepositoryRoot, "services"), "*.sql", SearchOption.AllDirectories)
            .Where(path => !path.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(path => CreatedExtension().Matches(File.ReadAllText(path)).Select(m => m.Groups["name"].Value.ToUpperInvariant()))
            .ToHashSet();

        // Without it, the migration that creates one fails on Azure and stops its service's start-up.
        Assert.NotEmpty(created);
        Assert.Empty(created.Except(allowed));
    }

    [Fact]
    public async Task Every_service_starts_in_Production_with_exactly_the_settings_infra_gives_it()
    {
        var ct = TestContext.Current.CancellationToken;
        // Stand-ins for what Azure provides: one database for every service as in Azure, a Redis, fresh keys. The only
        // setting changed is the port, since six services cannot all listen on 8080 here.
        var secrets = new Dictionary<string, string>
        {
            ["chatdb-connection"] = await postgres.CreateDatabaseAsync(ct),
            ["redis-connection"] = redis.ConnectionString,
            ["internal-key"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(33)),
            ["signing-key"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(33)),
            ["web-client-key"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(33)),
            // With the managed identity the secret holds the namespace's bootstrap servers only.
            ["kafka-connection"] = "evhns-test.servicebus.windows.net:9093",
        };
        var values = new Dictionary<string, string>
        {
            ["otelResourceAttributes"] = "deployment.environment=test",
            ["blobEndpoint"] = "https://stchatplatformtest.blob.core.windows.net/",
            ["identityClientId"] = Guid.NewGuid().ToString(),
            ["gatewayUri"] = "https://gateway.example.test",
            ["adminEmail"] = "admin@example.test",
            ["gpuBaseUrl"] = "http://vllm/v1",
            ["gpuModel"] = "Qwen/Qwen2.5-1.5B-Instruct",
            // As apps.bicep gives it without a hosted provider's key: none.
            ["gpuFailoverModel"] = "",
            // main.bicep's default: Event Hubs, signed in to with the managed identity.
            ["kafkaAuthentication"] = "AzureManagedIdentity",
            ["kafkaTopic"] = "chatplatform-events",
        };

        var services = new List<ProductionService>();
        try
        {
            // With GPU inference and Event Hubs on: their settings come on top of all the others. (No Entra ID token can
            // be had here, so the Kafka clients keep asking; start-up must not depend on one.)
            foreach (var (service, settings) in Infra.Settings(gpu: true, kafka: true))
            {
                var port = FreePort.Next();
                var environment = settings.ToDictionary(
                    s => s.Key,
                    s => s.Key == "ASPNETCORE_HTTP_PORTS" ? port.ToString(System.Globalization.CultureInfo.InvariantCulture)
                        : s.Value.Kind switch
                        {
                            InfraSettingKind.Literal => s.Value.Text,
                            InfraSettingKind.Value => values[s.Value.Text],
                            _ => secrets[s.Value.Text],
                        });
                services.Add(ProductionService.Start(service, Projects[service].ProjectPath, port, environment));
            }

            var failures = await Task.WhenAll(services.Select(s => s.WaitAliveAsync(StartTimeout, ct)));

            Assert.True(failures.All(f => f is null), string.Join(Environment.NewLine + Environment.NewLine, failures.Where(f => f is not null)));
        }
        finally
        {
            foreach (var service in services)
            {
                await service.DisposeAsync();
            }
        }
    }

    private static List<string> Having(IReadOnlyDictionary<string, IReadOnlyDictionary<string, InfraSetting>> settings, string name, string secret) =>
        [.. settings.Where(s => s.Value.TryGetValue(name, out var v) && v == new InfraSetting(InfraSettingKind.Secret, secret)).Select(s => s.Key).Order()];

    [GeneratedRegex(@"name: 'azure\.extensions'\s*properties: \{\s*value: '(?<list>[A-Za-z_,]+)'")]
    private static partial Regex AllowedExtensions();

    [GeneratedRegex(@"CREATE EXTENSION IF NOT EXISTS (?<name>\w+)", RegexOptions.IgnoreCase)]
    private static partial Regex CreatedExtension();

    // A key of a Bicep object literal, one per line: `  name: value`.
    [GeneratedRegex(@"^\s+(?<key>[A-Za-z][A-Za-z0-9]*):", RegexOptions.Multiline)]
    private static partial Regex BicepObjectKeys();
}
