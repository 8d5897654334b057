using System.Xml.Linq;
using Azure.Storage.Blobs;
using ChatPlatform.Testing;
using ChatPlatform.Web.Extensions;
using ChatPlatform.Web.Infrastructure;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ChatPlatform.Web.Tests.Extensions;

/// <summary>
/// Web replicas share one data-protection key ring in blob storage (Azurite here), so a cookie one issued is read by
/// the others; keys added at once by several replicas are all kept.
/// </summary>
public sealed class DataProtectionExtensionsTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public void Two_instances_sharing_blob_storage_read_each_others_protected_payloads()
    {
        var container = $"dp-{Guid.NewGuid():N}";
        using var first = Instance(azurite.ConnectionString, "replica-a", container);
        using var second = Instance(azurite.ConnectionString, "replica-b", container);

        var fromFirst = Protector(first).Protect("session of replica a");
        var fromSecond = Protector(second).Protect("session of replica b");

        Assert.Equal("session of replica a", Protector(second).Unprotect(fromFirst));
        Assert.Equal("session of replica b", Protector(first).Unprotect(fromSecond));
        // The ring is in the blob, not in a folder both instances happen to share on this machine: one key, made by
        // the first instance and read by the second.
        var ring = XDocument.Parse(Blob(container).DownloadContent(TestContext.Current.CancellationToken).Value.Content.ToString());
        Assert.Single(ring.Root!.Elements("key"));
    }

    [Fact]
    public async Task Keys_stored_at_once_by_several_replicas_are_all_kept()
    {
        var blob = Blob($"dp-{Guid.NewGuid():N}");
        var replicas = Enumerable.Range(0, 4).Select(_ => new BlobXmlRepository(blob)).ToArray();
        using var start = new Barrier(replicas.Length);

        // Each replica adds five keys, all starting together: without the ETag check, a write made from a stale read
        // would drop the keys written meanwhile.
        await Task.WhenAll(replicas.Select((replica, r) => Task.Run(() =>
        {
            start.SignalAndWait(TestContext.Current.CancellationToken);
            for (var k = 0; k < 5; k++)
            {
                replica.StoreElement(new XElement("key", new XAttribute("id", $"{r}-{k}")), $"{r}-{k}");
            }
        }, TestContext.Current.CancellationToken)));

        var ids = new BlobXmlRepository(blob).GetAllElements().Select(e => (string)e.Attribute("id")!).Order();
        Assert.Equal(Enumerable.Range(0, 4).SelectMany(r => Enumerable.Range(0, 5).Select(k => $"{r}-{k}")).Order(), ids);
    }

    [Fact]
    public void A_ring_not_written_yet_is_empty_and_its_container_is_made_for_the_first_key()
    {
        var blob = Blob($"dp-{Guid.NewGuid():N}");
        var repository = new BlobXmlRepository(blob);

        Assert.Empty(repository.GetAllElements());
        repository.StoreElement(new XElement("key", new XAttribute("id", "first")), "first");

        Assert.Equal(["first"], new BlobXmlRepository(blob).GetAllElements().Select(e => (string)e.Attribute("id")!));
    }

    [Fact]
    public void Without_a_blob_connection_string_the_key_ring_stays_local()
    {
        using var instance = Instance(connectionString: null, "replica-a", "unused");

        var options = instance.GetRequiredService<IOptions<KeyManagementOptions>>().Value;

        Assert.IsNotType<BlobXmlRepository>(options.XmlRepository);
    }

    private BlobClient Blob(string container) =>
        new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient(container).GetBlobClient(DataProtectionExtensions.BlobName);

    private static IDataProtector Protector(ServiceProvider services) =>
        services.GetRequiredService<IDataProtectionProvider>().CreateProtector("cookies");

    // Each instance has its own content root, as replicas on different machines would (the default application name
    // derives from it). A container per test keeps the tests' rings apart.
    private static ServiceProvider Instance(string? connectionString, string contentRoot, string container)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings
        {
            ContentRootPath = Directory.CreateTempSubdirectory("dp-" + contentRoot).FullName,
        });
        if (connectionString is not null)
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:blobs"] = connectionString });
        }
        builder.AddSharedDataProtection(container);
        return builder.Services.BuildServiceProvider();
    }
}
