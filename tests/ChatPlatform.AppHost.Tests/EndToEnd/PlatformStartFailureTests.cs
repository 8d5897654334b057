namespace ChatPlatform.AppHost.Tests.EndToEnd;

[Collection(nameof(OwnPlatformCollection))]
public sealed class PlatformStartFailureTests
{
    [Fact]
    public async Task A_service_that_stops_while_the_platform_starts_fails_the_start_at_once_naming_it()
    {
        var ct = TestContext.Current.CancellationToken;

        // A setting the gateway refuses at start-up: it exits, and everything that waits for it would wait for ever.
        var error = await Assert.ThrowsAsync<InvalidOperationException>(
            () => TestPlatform.StartAsync<Projects.ChatPlatform_AppHost>(ct, "--Auth:AccessTokenMinutes=0"));

        Assert.StartsWith("gateway stopped while the platform started", error.Message, StringComparison.Ordinal);
        Assert.Contains("gateway: Finished", error.Message, StringComparison.Ordinal);
        // With the gateway's own words on why, since a CI run has no dashboard to read them in.
        Assert.Contains("OptionsValidationException: Auth:AccessTokenMinutes", error.Message[error.Message.IndexOf("the last lines", StringComparison.Ordinal)..], StringComparison.Ordinal);
    }
}
