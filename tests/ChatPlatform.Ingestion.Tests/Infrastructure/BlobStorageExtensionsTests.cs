using Azure.Storage.Blobs;
using ChatPlatform.Ingestion.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ChatPlatform.Ingestion.Tests.Infrastructure;

public sealed class BlobStorageExtensionsTests
{
    private const string AzuriteConnectionString =
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;";

    [Fact]
    public void A_connection_string_gives_a_client_that_signs_with_the_account_key()
    {
        var blobs = ClientFor(AzuriteConnectionString);

        Assert.Equal(new Uri("http://127.0.0.1:10000/devstoreaccount1"), blobs.Uri);
        Assert.Equal("devstoreaccount1", blobs.AccountName);
        Assert.True(blobs.CanGenerateAccountSasUri);
    }

    [Fact]
    public void A_blob_endpoint_gives_a_client_that_signs_in_with_Entra_ID_and_holds_no_key()
    {
        var blobs = ClientFor("https://stchatplatform.blob.core.windows.net/");

        Assert.Equal(new Uri("https://stchatplatform.blob.core.windows.net/"), blobs.Uri);
        Assert.Equal("stchatplatform", blobs.AccountName);
        Assert.False(blobs.CanGenerateAccountSasUri);
    }

    [Fact]
    public void A_missing_setting_is_a_clear_start_up_error()
    {
        var builder = Host.CreateApplicationBuilder();

        var error = Assert.Throws<InvalidOperationException>(() => builder.AddBlobServiceClient("blobs"));

        Assert.Contains("ConnectionStrings__blobs", error.Message, StringComparison.Ordinal);
    }

    private static BlobServiceClient ClientFor(string setting)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:blobs"] = setting });
        builder.AddBlobServiceClient("blobs");
        using var host = builder.Build();
        return host.Services.GetRequiredService<BlobServiceClient>();
    }
}
