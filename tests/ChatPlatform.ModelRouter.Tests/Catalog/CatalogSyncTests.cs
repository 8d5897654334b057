using System.Net;
using System.Net.Http.Json;
using ChatPlatform.Testing;

namespace ChatPlatform.ModelRouter.Tests.Catalog;

public sealed class CatalogSyncTests(PostgresFixture postgres, RedisFixture redis)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    // Periodic reloads an hour apart, so only the Redis announcement can explain the second instance seeing a change.
    private static readonly Dictionary<string, string?> NoPolling = new() { ["Catalog:ReloadIntervalSeconds"] = "3600" };

    [Fact]
    public async Task A_second_instance_sees_changes_made_through_the_first()
    {
        var database = await postgres.CreateDatabaseAsync(Cancellation);
        await using var first = await RouterTestHost.StartAsync(database, redis.ConnectionString, NoPolling);
        await using var second = await RouterTestHost.StartAsync(database, redis.ConnectionString, NoPolling);

        var created = await first.Client.PutAsJsonAsync("/v1/admin/models/shared-model", new
        {
            displayName = "Shared", contextWindow = 4096, maxOutputTokens = 512,
        }, Cancellation);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        await EventuallyAsync(() => second.Catalog.Current.FindModel("shared-model") is not null);

        Assert.Equal(HttpStatusCode.OK, (await first.Client.PatchAsJsonAsync("/v1/admin/deployments/sim-fast-1", new { weight = 9 }, Cancellation)).StatusCode);
        await EventuallyAsync(() => second.Catalog.Current.Deployments.Single(d => d.Id == "sim-fast-1").Weight == 9);

        Assert.Equal(HttpStatusCode.NoContent, (await first.Client.DeleteAsync("/v1/admin/models/sim-vision", Cancellation)).StatusCode);
        await EventuallyAsync(() => second.Catalog.Current.FindModel("sim-vision") is null);
        Assert.DoesNotContain("sim-vision", await second.ListedModelIdsAsync());
    }

    // Reloads are triggered by a Redis message, so there is no signal in the test to await; poll the snapshot.
    private static async Task EventuallyAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The second instance did not reload within 15 s.");
            await Task.Delay(20, Cancellation);
        }
    }
}
