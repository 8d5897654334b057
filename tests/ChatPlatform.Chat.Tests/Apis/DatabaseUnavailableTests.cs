using System.Diagnostics;
using System.Net;
using ChatPlatform.Testing;
using ChatPlatform.Testing.Servers;
using Npgsql;
using static ChatPlatform.Chat.Tests.ChatServiceHost;

namespace ChatPlatform.Chat.Tests.Apis;

public sealed class DatabaseUnavailableTests(PostgresFixture postgres, RedisFixture redis)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task With_the_database_out_of_reach_the_service_answers_503_with_retry_after_at_once()
    {
        // The service reaches PostgreSQL through a forwarder the test can cut: pooled connections drop, new ones are refused.
        var database = new NpgsqlConnectionStringBuilder(await postgres.CreateDatabaseAsync(Token));
        var target = database.Port;
        database.Port = FreePort.Next();
        var forwarder = TcpForwarder.Start(database.Port, target);
        await using var host = Start(database.ConnectionString, redis.ConnectionString, null);
        using var client = host.ClientFor(Guid.NewGuid());
        using (var up = await client.GetAsync(new Uri("/v1/conversations", UriKind.Relative), Token))
        {
            Assert.Equal(HttpStatusCode.OK, up.StatusCode);
        }

        await forwarder.DisposeAsync();
        var clock = Stopwatch.StartNew();
        var answers = new List<HttpResponseMessage>();
        // The first finds its pooled connection broken, the next ones cannot connect.
        for (var i = 0; i < 3; i++)
        {
            answers.Add(await client.GetAsync(new Uri("/v1/conversations", UriKind.Relative), Token));
        }
        answers.Add(await client.PostAsync(new Uri("/v1/conversations", UriKind.Relative), Json("""{"model":"gpt-4o"}"""), Token));
        var elapsed = clock.Elapsed;

        foreach (var answer in answers)
        {
            using (answer)
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, answer.StatusCode);
                Assert.Equal(TimeSpan.FromSeconds(5), answer.Headers.RetryAfter?.Delta);
                Assert.Equal("application/problem+json", answer.Content.Headers.ContentType?.MediaType);
                var problem = await ReadJsonAsync(answer, Token);
                Assert.Equal(503, (int?)problem["status"]);
                Assert.Equal("The database is unavailable; try again shortly.", (string?)problem["detail"]);
            }
        }
        // Refused connections fail at once: nothing waits for Npgsql's 15 s connection timeout.
        Assert.True(elapsed < TimeSpan.FromSeconds(10), $"Four answers took {elapsed}.");
    }
}
