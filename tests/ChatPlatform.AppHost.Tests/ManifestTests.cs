using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace ChatPlatform.AppHost.Tests;

/// <summary>
/// The AppHost's manifest against the hand-written Azure deployment (Aspire's Azure publishing is not served here):
/// every project resource is a service in azure.yaml and a container app in infra/, and nothing else is.
/// </summary>
public sealed partial class ManifestTests
{
    [Fact]
    public async Task Every_project_in_the_manifest_is_an_azd_service_and_a_container_app_and_nothing_else_is()
    {
        var ct = TestContext.Current.CancellationToken;
        var root = Deployment.Infra.RepositoryRoot;
        var manifest = await PublishManifestAsync(ct);

        var projects = manifest.GetProperty("resources").EnumerateObject()
            .Where(r => r.Value.GetProperty("type").GetString() == "project.v0").Select(r => r.Name).Order().ToList();
        var services = AzdService().Matches(await File.ReadAllTextAsync(Path.Combine(root, "azure.yaml"), ct))
            .Select(m => m.Groups["name"].Value).Order().ToList();
        var apps = ContainerApp().Matches(await File.ReadAllTextAsync(Path.Combine(root, "infra", "modules", "apps.bicep"), ct))
            .Select(m => m.Groups["name"].Value).Order().ToList();

        Assert.Equal(["billing", "chat", "gateway", "ingestion", "model-router", "web"], projects);
        Assert.Equal(projects, services);
        Assert.Equal(projects, apps);
    }

    [Fact]
    public async Task The_published_gateway_takes_its_signing_key_from_a_secret_parameter()
    {
        var manifest = await PublishManifestAsync(TestContext.Current.CancellationToken);
        var resources = manifest.GetProperty("resources");

        Assert.Equal("{auth-signing-key.value}", resources.GetProperty("gateway").GetProperty("env").GetProperty("Auth__SigningKey").GetString());
        Assert.True(resources.GetProperty("auth-signing-key").GetProperty("inputs").GetProperty("value").GetProperty("secret").GetBoolean());
        // The web app's key for vouching for its users' addresses: one secret, for the gateway and the web app only.
        Assert.Equal("{auth-web-client-key.value}", resources.GetProperty("gateway").GetProperty("env").GetProperty("Auth__WebClientKey").GetString());
        Assert.Equal("{auth-web-client-key.value}", resources.GetProperty("web").GetProperty("env").GetProperty("Auth__WebClientKey").GetString());
        Assert.True(resources.GetProperty("auth-web-client-key").GetProperty("inputs").GetProperty("value").GetProperty("secret").GetBoolean());
        Assert.False(resources.GetProperty("chat").GetProperty("env").TryGetProperty("Auth__WebClientKey", out _));
        Assert.False(resources.GetProperty("chat").GetProperty("env").TryGetProperty("Kestrel__Endpoints__h2c__Url", out _));
    }

    [Fact]
    public async Task Every_published_service_but_web_takes_the_internal_key_from_one_secret_parameter()
    {
        var manifest = await PublishManifestAsync(TestContext.Current.CancellationToken);
        var resources = manifest.GetProperty("resources");

        foreach (var service in new[] { "billing", "chat", "gateway", "ingestion", "model-router" })
        {
            Assert.Equal("{internal-key.value}", resources.GetProperty(service).GetProperty("env").GetProperty("Internal__Key").GetString());
        }
        Assert.False(resources.GetProperty("web").GetProperty("env").TryGetProperty("Internal__Key", out _));
        Assert.True(resources.GetProperty("internal-key").GetProperty("inputs").GetProperty("value").GetProperty("secret").GetBoolean());
        // infra/ hands the same key to the same apps.
        Assert.Equal(
            ["billing", "chat", "gateway", "ingestion", "model-router"],
            Deployment.Infra.Settings().Where(s => s.Value.ContainsKey("Internal__Key")).Select(s => s.Key).Order());
    }

    [Fact]
    public async Task Kafka_reaches_the_services_that_carry_events_only_when_the_operator_names_one()
    {
        var ct = TestContext.Current.CancellationToken;
        var without = (await PublishManifestAsync(ct)).GetProperty("resources");
        var with = (await PublishManifestAsync(ct, ("ConnectionStrings__kafka", "broker-1:9092"))).GetProperty("resources");

        string[] all = ["billing", "chat", "gateway", "ingestion", "model-router", "web"];
        Assert.All(all, service => Assert.False(without.GetProperty(service).GetProperty("env").TryGetProperty("ConnectionStrings__kafka", out _)));
        Assert.False(without.TryGetProperty("kafka", out _));
        Assert.Equal(
            ["billing", "chat", "gateway", "ingestion"],
            all.Where(service => with.GetProperty(service).GetProperty("env").TryGetProperty("ConnectionStrings__kafka", out _)));
        Assert.Equal("{kafka.connectionString}", with.GetProperty("billing").GetProperty("env").GetProperty("ConnectionStrings__kafka").GetString());
        // infra/ gives Event Hubs to the same services.
        Assert.Equal(
            all.Where(service => with.GetProperty(service).GetProperty("env").TryGetProperty("ConnectionStrings__kafka", out _)),
            Deployment.Infra.Settings(kafka: true).Where(s => s.Value.ContainsKey("ConnectionStrings__kafka")).Select(s => s.Key).Order());
    }

    private static async Task<JsonElement> PublishManifestAsync(CancellationToken ct, params (string Name, string Value)[] environment)
    {
        var output = Path.Combine(Path.GetTempPath(), $"chatplatform-manifest-{Guid.NewGuid():N}.json");
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "ChatPlatform.AppHost.dll"), "--publisher", "manifest", "--output-path", output])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["DOTNET_ENVIRONMENT"] = "Production" },
        };
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        using var process = Process.Start(start)!;
        var log = process.StandardOutput.ReadToEndAsync(ct);
        var errors = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        Assert.True(process.ExitCode == 0, $"the manifest publisher failed: {await log}{await errors}");
        try
        {
            using var document = JsonDocument.Parse(await File.ReadAllTextAsync(output, ct));
            return document.RootElement.Clone();
        }
        finally
        {
            File.Delete(output);
        }
    }

    // A service's name is the key two spaces in under 'services:'.
    [GeneratedRegex(@"^  (?<name>[a-z][a-z-]*):\s*$", RegexOptions.Multiline)]
    private static partial Regex AzdService();

    [GeneratedRegex(@"name: 'app-(?<name>[a-z-]+)'")]
    private static partial Regex ContainerApp();
}
