using ChatPlatform.ModelRouter.Tests.Fakes;
using Microsoft.Extensions.AI;
using static ChatPlatform.ModelRouter.Tests.Providers.ProviderTestHost;

namespace ChatPlatform.ModelRouter.Tests.Providers;

/// <summary>The fakes' scripting, which routing and API tests rely on.</summary>
public sealed class FakeProviderServerTests
{
    [Fact]
    public async Task Queued_behaviours_serve_the_next_calls_in_order_then_the_default_serves_the_rest()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await FakeOpenAIServer.StartAsync(ct);
        server.Behavior = FakeBehavior.Answer("default");
        server.Enqueue(FakeBehavior.Failing(FakeFailure.ServerError), FakeBehavior.Answer("second"));
        var deployment = server.Deployment();
        var client = CreateFactory(server.KeyConfiguration).GetClient(deployment);
        ChatMessage[] question = [new(ChatRole.User, "Hi")];

        var first = await StreamAsync(client, deployment, question, null, ct);
        var second = await StreamAsync(client, deployment, question, null, ct);
        var third = await StreamAsync(client, deployment, question, null, ct);

        Assert.Equal(500, first.Error?.StatusCode);
        Assert.Equal("second", Text(second.Updates));
        Assert.Equal("default", Text(third.Updates));
        Assert.Equal(3, server.CallCount);
        Assert.Equal(3, server.Requests.Count);
        Assert.Equal("/v1/chat/completions", (await server.NextRequestAsync(ct)).Path);
    }
}
