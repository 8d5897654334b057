using ChatPlatform.Testing;

namespace ChatPlatform.Chat.Tests.Services;

public sealed class InternalKeyTests(PostgresFixture postgres, RedisFixture redis)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("", "Internal:Key is not configured")]
    [InlineData("c2hvcnQ=", "Internal:Key must decode to at least 32 bytes; it decodes to 5.")]
    [InlineData("not base64!", "Internal:Key is not valid base64.")]
    public async Task A_missing_short_or_malformed_internal_key_stops_start_up_saying_what_to_fix(string key, string message)
    {
        var database = await postgres.CreateDatabaseAsync(Token);
        await using var host = ChatServiceHost.Start(database, redis.ConnectionString, null, new Dictionary<string, string> { [InternalTokens.Setting] = key });

        var error = host.StartUpError();

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_internal_key_may_not_be_the_user_token_signing_key()
    {
        var database = await postgres.CreateDatabaseAsync(Token);
        await using var host = ChatServiceHost.Start(database, redis.ConnectionString, null, new Dictionary<string, string> { ["Auth:SigningKey"] = InternalTokens.Key });

        var error = host.StartUpError();

        Assert.Contains("Internal:Key must differ from Auth:SigningKey", error.Message, StringComparison.Ordinal);
    }
}
