using System.Text.Json;

namespace ChatPlatform.AppHost.Tests.Deployment;

/// <summary>
/// infra/ as compiled (main.bicep with every module): the data services take no traffic from the internet, the apps
/// reach them inside one virtual network, and only gateway and web have external ingress. PostgreSQL was once open to
/// the internet with a 0.0.0.0 rule, and Redis with public access.
/// </summary>
public sealed class PrivateNetworkTests
{
    [Fact]
    public async Task No_data_service_has_a_public_endpoint()
    {
        using var template = await CompileAsync();
        var resources = Resources(template.RootElement).ToList();

        var postgres = Single(resources, "Microsoft.DBforPostgreSQL/flexibleServers").GetProperty("properties").GetProperty("network");
        Assert.Equal("Disabled", postgres.GetProperty("publicNetworkAccess").GetString());
        Assert.Equal("[parameters('delegatedSubnetId')]", postgres.GetProperty("delegatedSubnetResourceId").GetString());
        Assert.Contains("postgresSubnetId", Parameter(Deployment(template.RootElement, "postgres"), "delegatedSubnetId"), StringComparison.Ordinal);
        Assert.DoesNotContain(resources, r => Type(r) == "Microsoft.DBforPostgreSQL/flexibleServers/firewallRules");
        Assert.Equal("Disabled", Properties(resources, "Microsoft.Cache/redis").GetProperty("publicNetworkAccess").GetString());
        Assert.Equal("Disabled", Properties(resources, "Microsoft.EventHub/namespaces").GetProperty("publicNetworkAccess").GetString());
        var storage = Properties(resources, "Microsoft.Storage/storageAccounts");
        Assert.Equal("Disabled", storage.GetProperty("publicNetworkAccess").GetString());
        Assert.False(storage.GetProperty("allowSharedKeyAccess").GetBoolean());
        // The vault's public endpoint denies every address: provisioning writes through Resource Manager, an operator
        // adds their own address for the while.
        var vault = Properties(resources, "Microsoft.KeyVault/vaults").GetProperty("networkAcls");
        Assert.Equal("Deny", vault.GetProperty("defaultAction").GetString());
        Assert.Empty(vault.GetProperty("ipRules").EnumerateArray());
    }

    [Fact]
    public async Task The_apps_reach_redis_blobs_the_vault_and_event_hubs_through_private_endpoints_in_their_network()
    {
        using var template = await CompileAsync();
        var resources = Resources(template.RootElement).ToList();

        var groups = Deployments(template.RootElement)
            .Where(d => OwnResources(d.GetProperty("properties").GetProperty("template")).Any(r => Type(r) == "Microsoft.Network/privateEndpoints"))
            .Select(d => Parameter(d, "groupId"))
            .Order();
        Assert.Equal(["blob", "namespace", "redisCache", "vault"], groups);
        // One Private Link DNS zone per kind of endpoint, linked to the network, so the usual host names resolve privately.
        var network = Deployment(template.RootElement, "network").GetProperty("properties").GetProperty("template");
        Assert.Equal(
            ["privatelink.redis.cache.windows.net", "[format('privatelink.blob.{0}', environment().suffixes.storage)]", "privatelink.vaultcore.azure.net", "privatelink.servicebus.windows.net"],
            network.GetProperty("variables").GetProperty("zoneNames").EnumerateArray().Select(z => z.GetString()));
        Assert.Contains(Resources(network), r => Type(r) == "Microsoft.Network/privateDnsZones/virtualNetworkLinks" && r.TryGetProperty("copy", out _));
        var environment = Properties(resources, "Microsoft.App/managedEnvironments").GetProperty("vnetConfiguration");
        Assert.Equal("[parameters('infrastructureSubnetId')]", environment.GetProperty("infrastructureSubnetId").GetString());
        // The environment is not internal: gateway and web answer on the internet; the others only inside it.
        Assert.False(environment.GetProperty("internal").GetBoolean());
    }

    [Fact]
    public async Task Only_gateway_and_web_have_external_ingress()
    {
        using var template = await CompileAsync();

        var apps = Deployments(template.RootElement)
            .Where(d => d.GetProperty("name").GetString()!.StartsWith("app-", StringComparison.Ordinal))
            .ToDictionary(d => d.GetProperty("name").GetString()!["app-".Length..], d => d.GetProperty("properties").GetProperty("parameters").GetProperty("external").GetProperty("value").GetBoolean());

        Assert.Equal(["billing", "chat", "gateway", "ingestion", "model-router", "web"], apps.Keys.Order());
        Assert.Equal(["gateway", "web"], apps.Where(a => a.Value).Select(a => a.Key).Order());
    }

    [Fact]
    public async Task The_apps_identity_may_send_to_and_receive_from_event_hubs_and_nothing_more()
    {
        using var template = await CompileAsync();
        var eventHubs = Deployment(template.RootElement, "event-hubs").GetProperty("properties").GetProperty("template");
        var resources = Resources(eventHubs).ToList();
        var roles = eventHubs.GetProperty("variables");

        Assert.Equal("2b629674-e913-4c01-ae53-ef4638d8f975", roles.GetProperty("dataSenderRoleId").GetString()); // Azure Event Hubs Data Sender
        Assert.Equal("a638d3c7-ab3a-418d-83e6-5f17a39d4fde", roles.GetProperty("dataReceiverRoleId").GetString()); // ... Data Receiver
        Assert.Equal(
            ["dataReceiverRoleId", "dataSenderRoleId"],
            resources.Where(r => Type(r) == "Microsoft.Authorization/roleAssignments")
                .Select(r => r.GetProperty("properties").GetProperty("roleDefinitionId").GetString()!.Split('\'')[3]).Order());
        // With the managed identity the namespace accepts no key; the key's rule exists only for the connection-string way.
        Assert.Equal("[equals(parameters('authentication'), 'AzureManagedIdentity')]", Properties(resources, "Microsoft.EventHub/namespaces").GetProperty("disableLocalAuth").GetString());
        var rule = Single(resources, "Microsoft.EventHub/namespaces/authorizationRules");
        Assert.Equal("[equals(parameters('authentication'), 'ConnectionString')]", rule.GetProperty("condition").GetString());
        Assert.Equal(["Listen", "Send"], rule.GetProperty("properties").GetProperty("rights").EnumerateArray().Select(r => r.GetString()).Order());
    }

    private static JsonElement Deployment(JsonElement template, string name) =>
        Deployments(template).Single(d => d.GetProperty("name").GetString() == name);

    private static string? Parameter(JsonElement deployment, string name) =>
        deployment.GetProperty("properties").GetProperty("parameters").GetProperty(name).GetProperty("value").ToString();

    private static string? Type(JsonElement resource) => resource.GetProperty("type").GetString();

    private static JsonElement Single(List<JsonElement> resources, string type) => Assert.Single(resources, r => Type(r) == type);

    private static JsonElement Properties(List<JsonElement> resources, string type) => Single(resources, type).GetProperty("properties");

    private static async Task<JsonDocument> CompileAsync()
    {
        var (exitCode, output) = await Infra.RunBicepAsync(["build", Path.Combine(Infra.Folder, "main.bicep"), "--stdout"], TestContext.Current.CancellationToken);
        Assert.True(exitCode == 0, output);
        return JsonDocument.Parse(output);
    }

    // Every resource of a template and of the modules it deploys (nested deployments' templates).
    private static IEnumerable<JsonElement> Resources(JsonElement template)
    {
        foreach (var resource in OwnResources(template))
        {
            yield return resource;
            if (Type(resource) == "Microsoft.Resources/deployments")
            {
                foreach (var nested in Resources(resource.GetProperty("properties").GetProperty("template")))
                {
                    yield return nested;
                }
            }
        }
    }

    // A template's own resources (symbolic names make them an object, else an array).
    private static IEnumerable<JsonElement> OwnResources(JsonElement template)
    {
        var resources = template.GetProperty("resources");
        return resources.ValueKind == JsonValueKind.Object ? resources.EnumerateObject().Select(r => r.Value) : resources.EnumerateArray();
    }

    private static IEnumerable<JsonElement> Deployments(JsonElement template) =>
        Resources(template).Where(r => Type(r) == "Microsoft.Resources/deployments");
}
