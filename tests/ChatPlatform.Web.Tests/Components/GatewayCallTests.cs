using ChatPlatform.Web.Components;
using ChatPlatform.Web.Infrastructure;

namespace ChatPlatform.Web.Tests.Components;

/// <summary>The busy flag and refusal text the API keys, two-factor and share pages share.</summary>
public sealed class GatewayCallTests
{
    [Fact]
    public async Task It_is_busy_while_the_call_runs_and_not_after()
    {
        var call = new GatewayCall();
        var release = new TaskCompletionSource();
        var running = call.RunAsync(() => release.Task);

        Assert.True(call.Busy);
        release.SetResult();
        await running;
        Assert.False(call.Busy);
        Assert.Null(call.Error);
    }

    [Fact]
    public async Task A_refusal_becomes_its_message_and_the_next_call_clears_it()
    {
        var call = new GatewayCall();

        await call.RunAsync(() => throw new GatewayException(409, "That name is taken."));
        Assert.Equal("That name is taken.", call.Error);
        Assert.False(call.Busy);

        await call.RunAsync(() => Task.CompletedTask);
        Assert.Null(call.Error);
    }

    [Fact]
    public async Task A_component_may_describe_a_refusal_its_own_way()
    {
        var call = new GatewayCall(e => string.Join(" ", e.Errors.SelectMany(kv => kv.Value)));

        await call.RunAsync(() => throw new GatewayException(400, "Invalid.", new Dictionary<string, string[]> { ["expiresAt"] = ["Must be in the future."] }));

        Assert.Equal("Must be in the future.", call.Error);
    }

    [Fact]
    public async Task Anything_but_a_refusal_is_not_swallowed_and_the_busy_flag_is_cleared()
    {
        var call = new GatewayCall();

        await Assert.ThrowsAsync<InvalidOperationException>(() => call.RunAsync(() => throw new InvalidOperationException()));

        Assert.False(call.Busy);
        Assert.Null(call.Error);
    }
}
