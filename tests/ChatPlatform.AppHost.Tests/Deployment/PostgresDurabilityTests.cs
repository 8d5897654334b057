using System.Text.Json;
using System.Text.RegularExpressions;

namespace ChatPlatform.AppHost.Tests.Deployment;

/// <summary>
/// infra/modules/postgres.bicep keeps the data: high availability that Azure would accept (Burstable cannot have it),
/// point-in-time restore over a bounded retention, geo-redundant backups; and main.bicep exposes them as parameters.
/// </summary>
public sealed partial class PostgresDurabilityTests
{
    private static string PostgresBicep => Path.Combine(Infra.Folder, "modules", "postgres.bicep");

    [Theory]
    [InlineData("Standard_B1ms", "Burstable", true, "Standard_D2ds_v5", "GeneralPurpose")]
    [InlineData("Standard_B1ms", "Burstable", false, "Standard_B1ms", "Burstable")]
    [InlineData("Standard_D4ds_v5", "GeneralPurpose", true, "Standard_D4ds_v5", "GeneralPurpose")]
    [InlineData("Standard_E2ds_v5", "MemoryOptimized", false, "Standard_E2ds_v5", "MemoryOptimized")]
    public async Task The_deployed_SKU_can_have_the_high_availability_asked_for(
        string skuName, string skuTier, bool highAvailability, string expectedName, string expectedTier)
    {
        var ct = TestContext.Current.CancellationToken;
        var function = ConsistentSkuFunction().Match(await File.ReadAllTextAsync(PostgresBicep, ct)).Value;
        Assert.NotEmpty(function);

        var call = $"consistentSku('{skuName}', '{skuTier}', {(highAvailability ? "true" : "false")})";
        var (exitCode, output) = await Infra.RunBicepAsync(["console"], ct, $"{function}\n{call}\n");

        Assert.True(exitCode == 0, output);
        Assert.Contains($"name: '{expectedName}'", output, StringComparison.Ordinal);
        Assert.Contains($"tier: '{expectedTier}'", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_server_takes_HA_retention_and_geo_backups_from_its_parameters()
    {
        var ct = TestContext.Current.CancellationToken;
        var (exitCode, output) = await Infra.RunBicepAsync(["build", PostgresBicep, "--stdout"], ct);
        Assert.True(exitCode == 0, output);
        using var template = JsonDocument.Parse(output);
        var parameters = template.RootElement.GetProperty("parameters");

        var retention = parameters.GetProperty("backupRetentionDays");
        Assert.Equal(7, retention.GetProperty("minValue").GetInt32());
        Assert.Equal(35, retention.GetProperty("maxValue").GetInt32());
        Assert.True(parameters.GetProperty("geoRedundantBackup").GetProperty("defaultValue").GetBoolean());
        // On by default unless the SKU is Burstable, which cannot have it.
        Assert.Equal("[not(equals(parameters('skuTier'), 'Burstable'))]", parameters.GetProperty("highAvailability").GetProperty("defaultValue").GetString());

        var server = template.RootElement.GetProperty("resources").EnumerateObject()
            .Select(r => r.Value).Single(r => r.GetProperty("type").GetString() == "Microsoft.DBforPostgreSQL/flexibleServers");
        var properties = server.GetProperty("properties");
        Assert.Equal("[parameters('backupRetentionDays')]", properties.GetProperty("backup").GetProperty("backupRetentionDays").GetString());
        Assert.Equal("[if(parameters('geoRedundantBackup'), 'Enabled', 'Disabled')]", properties.GetProperty("backup").GetProperty("geoRedundantBackup").GetString());
        Assert.Equal("[if(parameters('highAvailability'), 'ZoneRedundant', 'Disabled')]", properties.GetProperty("highAvailability").GetProperty("mode").GetString());
        Assert.Equal("[variables('sku')]", server.GetProperty("sku").GetString());
    }

    [Fact]
    public async Task Main_passes_the_durability_parameters_to_the_server()
    {
        var main = await File.ReadAllTextAsync(Path.Combine(Infra.Folder, "main.bicep"), TestContext.Current.CancellationToken);

        Assert.Contains("highAvailability: postgresHighAvailability", main, StringComparison.Ordinal);
        Assert.Contains("backupRetentionDays: postgresBackupRetentionDays", main, StringComparison.Ordinal);
        Assert.Contains("geoRedundantBackup: postgresGeoRedundantBackup", main, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^func consistentSku\(.*$", RegexOptions.Multiline)]
    private static partial Regex ConsistentSkuFunction();
}
