using Azure.Core;
using Azure.Identity;
using Azure.Storage.Blobs;
using ChatPlatform.Ingestion.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace ChatPlatform.Ingestion.Tests.Infrastructure;

public sealed class BlobContainersInitializerTests
{
    [Fact]
    public async Task A_managed_identity_that_cannot_sign_in_yet_does_not_stop_the_service()
    {
        // As in Azure right after provisioning, before the storage role reaches the identity (found starting the
        // services with infra/'s settings: ingestion exited as soon as the credential failed).
        var service = new BlobServiceClient(new Uri("https://stnotreal.blob.core.windows.net/"), new UnavailableCredential());
        var blobs = new FileBlobs(service, TimeProvider.System, NullLogger<FileBlobs>.Instance);
        using var initializer = new BlobContainersInitializer(blobs, NullLogger<BlobContainersInitializer>.Instance);

        await initializer.StartAsync(TestContext.Current.CancellationToken);
        await initializer.ExecuteTask!.WaitAsync(TestContext.Current.CancellationToken);

        Assert.True(initializer.ExecuteTask.IsCompletedSuccessfully);
    }

    private sealed class UnavailableCredential : TokenCredential
    {
        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            throw new CredentialUnavailableException("No managed identity answers here.");

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            throw new CredentialUnavailableException("No managed identity answers here.");
    }
}
