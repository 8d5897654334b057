using System.Diagnostics;
using ChatPlatform.ModelRouter.Model;
using ChatPlatform.ModelRouter.Providers;
using ChatPlatform.ModelRouter.Providers.Simulator;
using Microsoft.Extensions.AI;
using static ChatPlatform.ModelRouter.Tests.Providers.ProviderTestHost;

namespace ChatPlatform.ModelRouter.Tests.Providers;

public sealed class SimulatorChatClientTests
{
    private static readonly SimulatorSettings Fast = new(TimeToFirstTokenMs: 0, TokensPerSecond: 0, AnswerTokens: 12);

    private static readonly DeploymentDefinition Deployment =
        new("sim-1", "sim-model", ProviderKind.Simulator, "sim-model", Endpoint: null, ApiKeySetting: null, 1, 1, Pricing.Free, Simulator: Fast);

    private static ChatMessage[] Ask(string question) => [new(ChatRole.System, "You are helpful."), new(ChatRole.User, question)];

    private static SimulatorChatClient Client(SimulatorSettings settings) => new("sim-model", settings, TimeProvider.System);

    [Fact]
    public async Task The_same_question_gets_the_same_answer_marked_as_simulated()
    {
        var ct = TestContext.Current.CancellationToken;

        var first = Text((await StreamAsync(Client(Fast), Deployment, Ask("What is a router?"), null, ct)).Updates);
        var again = Text((await StreamAsync(Client(Fast), Deployment, Ask("What is a router?"), null, ct)).Updates);
        var other = Text((await StreamAsync(Client(Fast), Deployment, Ask("Something else entirely"), null, ct)).Updates);

        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
        Assert.StartsWith("[simulated] ", first);
        Assert.EndsWith(".", first);
    }

    private static readonly AIFunctionDeclaration Weather = AIFunctionFactory.CreateDeclaration(
        "get_weather", "The weather.", System.Text.Json.JsonDocument.Parse(
            """{"type":"object","properties":{"city":{"type":"string"},"days":{"type":"integer"},"unit":{"enum":["celsius","fahrenheit"]},"note":{"type":"string"}},"required":["city","days","unit"]}""").RootElement);

    private static readonly AIFunctionDeclaration Time = AIFunctionFactory.CreateDeclaration(
        "get_time", "The time.", System.Text.Json.JsonDocument.Parse("""{"type":"object","properties":{}}""").RootElement);

    [Fact]
    public async Task Given_tools_it_answers_a_user_message_with_a_call_of_the_first_with_its_required_arguments_filled()
    {
        var options = new ChatOptions { Tools = [Weather, Time] };

        var (updates, error) = await StreamAsync(Client(Fast), Deployment, Ask("Weather?"), options, TestContext.Current.CancellationToken);

        Assert.Null(error);
        var call = Assert.Single(updates.SelectMany(u => u.Contents).OfType<FunctionCallContent>());
        Assert.Equal("get_weather", call.Name);
        Assert.StartsWith("call_sim_", call.CallId, StringComparison.Ordinal);
        Assert.Equal(["city", "days", "unit"], call.Arguments!.Keys.Order());
        Assert.Equal(("simulated", "1", "celsius"), (call.Arguments["city"]?.ToString(), call.Arguments["days"]?.ToString(), call.Arguments["unit"]?.ToString()));
        Assert.Equal(ChatFinishReason.ToolCalls, updates[^1].FinishReason);
        Assert.Equal("", Text(updates));
    }

    [Fact]
    public async Task A_required_function_is_the_one_called_and_tool_choice_none_gets_text()
    {
        var ct = TestContext.Current.CancellationToken;

        var (required, _) = await StreamAsync(Client(Fast), Deployment, Ask("Time?"), new ChatOptions { Tools = [Weather, Time], ToolMode = ChatToolMode.RequireSpecific("get_time") }, ct);
        var (none, _) = await StreamAsync(Client(Fast), Deployment, Ask("Time?"), new ChatOptions { Tools = [Weather, Time], ToolMode = ChatToolMode.None }, ct);

        Assert.Equal("get_time", Assert.Single(required.SelectMany(u => u.Contents).OfType<FunctionCallContent>()).Name);
        Assert.StartsWith("[simulated]", Text(none), StringComparison.Ordinal);
        Assert.Empty(none.SelectMany(u => u.Contents).OfType<FunctionCallContent>());
    }

    [Fact]
    public async Task Tool_results_are_answered_with_text()
    {
        ChatMessage[] history =
        [
            new(ChatRole.User, "Weather?"),
            new(ChatRole.Assistant, [new FunctionCallContent("call_1", "get_weather", new Dictionary<string, object?> { ["city"] = "Paris" })]),
            new(ChatRole.Tool, [new FunctionResultContent("call_1", "18 degrees")]),
        ];

        var (updates, _) = await StreamAsync(Client(Fast), Deployment, history, new ChatOptions { Tools = [Weather] }, TestContext.Current.CancellationToken);

        Assert.StartsWith("[simulated]", Text(updates), StringComparison.Ordinal);
        Assert.Equal(ChatFinishReason.Stop, updates[^1].FinishReason);
    }

    [Fact]
    public async Task An_answer_longer_than_max_output_tokens_is_cut_there_with_finish_reason_length()
    {
        var ct = TestContext.Current.CancellationToken;

        var (cut, _) = await StreamAsync(Client(Fast), Deployment, Ask("Hello?"), new ChatOptions { MaxOutputTokens = 5 }, ct);
        var (whole, _) = await StreamAsync(Client(Fast), Deployment, Ask("Hello?"), new ChatOptions { MaxOutputTokens = 12 }, ct);

        Assert.Equal(5, TextUpdateCount(cut));
        Assert.Equal(ChatFinishReason.Length, cut[^1].FinishReason);
        Assert.Equal(5, Assert.IsType<UsageDetails>(Usage(cut)).OutputTokenCount);
        Assert.Equal(12, TextUpdateCount(whole));
        Assert.Equal(ChatFinishReason.Stop, whole[^1].FinishReason);
    }

    [Fact]
    public async Task It_streams_one_token_an_update_then_estimated_usage()
    {
        var (updates, error) = await StreamAsync(Client(Fast), Deployment, Ask("Hello?"), null, TestContext.Current.CancellationToken);

        Assert.Null(error);
        Assert.Equal(12, TextUpdateCount(updates));
        Assert.Equal(13, updates.Count);
        Assert.All(updates, update => Assert.Equal(ChatRole.Assistant, update.Role));
        var last = updates[^1];
        Assert.Equal(ChatFinishReason.Stop, last.FinishReason);
        Assert.Equal(true, last.AdditionalProperties?[SimulatorChatClient.UsageEstimatedProperty]);
        var usage = Assert.IsType<UsageDetails>(Usage(updates));
        Assert.Equal(12, usage.OutputTokenCount);
        Assert.True(usage.InputTokenCount > 0);
        Assert.Equal(usage.InputTokenCount + usage.OutputTokenCount, usage.TotalTokenCount);
    }

    [Fact]
    public async Task It_keeps_the_configured_pace()
    {
        var client = Client(new SimulatorSettings(TimeToFirstTokenMs: 150, TokensPerSecond: 20, AnswerTokens: 5));
        var clock = Stopwatch.StartNew();
        var arrivals = new List<TimeSpan>();

        await foreach (var update in client.GetStreamingResponseAsync(Ask("Pace?"), cancellationToken: TestContext.Current.CancellationToken))
        {
            if (update.Text.Length > 0)
            {
                arrivals.Add(clock.Elapsed);
            }
        }

        // Lower bounds only: a loaded machine can be slower, never faster. 150 ms, then 4 gaps of 50 ms.
        Assert.Equal(5, arrivals.Count);
        Assert.True(arrivals[0] >= TimeSpan.FromMilliseconds(140), $"first token after {arrivals[0]}");
        Assert.True(arrivals[^1] - arrivals[0] >= TimeSpan.FromMilliseconds(180), $"last token {arrivals[^1] - arrivals[0]} after the first");
    }

    [Fact]
    public async Task An_error_before_the_first_token_is_a_transient_500()
    {
        var (updates, error) = await StreamAsync(
            Client(Fast with { Failure = SimulatedFailure.ErrorBeforeFirstToken }), Deployment, Ask("Hi"), null, TestContext.Current.CancellationToken);

        Assert.Empty(updates);
        Assert.Equal(500, error?.StatusCode);
        Assert.True(error?.IsTransient);
    }

    [Fact]
    public async Task A_rate_limit_is_a_transient_429_with_retry_after()
    {
        var (updates, error) = await StreamAsync(
            Client(Fast with { Failure = SimulatedFailure.RateLimited, RetryAfterSeconds = 3 }), Deployment, Ask("Hi"), null, TestContext.Current.CancellationToken);

        Assert.Empty(updates);
        Assert.Equal(429, error?.StatusCode);
        Assert.True(error?.IsTransient);
        Assert.Equal(TimeSpan.FromSeconds(3), error?.RetryAfter);
    }

    [Fact]
    public async Task An_error_mid_stream_comes_after_the_configured_tokens()
    {
        var (updates, error) = await StreamAsync(
            Client(Fast with { Failure = SimulatedFailure.ErrorMidStream, FailAfterTokens = 4 }), Deployment, Ask("Hi"), null, TestContext.Current.CancellationToken);

        Assert.Equal(4, TextUpdateCount(updates));
        Assert.StartsWith("[simulated]", Text(updates));
        Assert.Equal(500, error?.StatusCode);
        Assert.True(error?.IsTransient);
    }

    [Fact]
    public async Task A_hang_lasts_until_cancelled()
    {
        var client = Client(Fast with { Failure = SimulatedFailure.Hang });
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var updates = 0;

        var streaming = Task.Run(async () =>
        {
            await foreach (var _ in client.GetStreamingResponseAsync(Ask("Hi"), cancellationToken: cancellation.Token))
            {
                updates++;
            }
        }, TestContext.Current.CancellationToken);
        await Task.Yield();
        Assert.False(streaming.IsCompleted);
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => streaming);
        Assert.Equal(0, updates);
    }

    [Fact]
    public async Task Cancelling_stops_a_slow_stream_at_once()
    {
        var client = Client(new SimulatorSettings(TimeToFirstTokenMs: 0, TokensPerSecond: 0.1, AnswerTokens: 50));
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var received = 0;
        var clock = Stopwatch.StartNew();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in client.GetStreamingResponseAsync(Ask("Hi"), cancellationToken: cancellation.Token))
            {
                received++;
                await cancellation.CancelAsync();
            }
        });

        // The next token was 10 s away.
        Assert.Equal(1, received);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_request_can_override_the_deployment_settings()
    {
        var options = new ChatOptions { AdditionalProperties = new() { [SimulatorChatClient.SettingsProperty] = Fast with { AnswerTokens = 3 } } };

        var (updates, error) = await StreamAsync(Client(Fast), Deployment, Ask("Hi"), options, TestContext.Current.CancellationToken);

        Assert.Null(error);
        Assert.Equal(3, TextUpdateCount(updates));
    }

    [Fact]
    public async Task A_non_streamed_answer_is_the_stream_aggregated()
    {
        var client = Client(Fast);
        var streamed = Text((await StreamAsync(client, Deployment, Ask("Same"), null, TestContext.Current.CancellationToken)).Updates);

        var response = await client.GetResponseAsync(Ask("Same"), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(streamed, response.Text);
        Assert.Equal(12, response.Usage?.OutputTokenCount);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
    }

    [Fact]
    public async Task The_factory_serves_a_simulated_deployment_with_its_settings()
    {
        var client = CreateFactory().GetClient(Deployment with { Simulator = Fast with { AnswerTokens = 6 } });

        var (updates, error) = await StreamAsync(client, Deployment, Ask("Hi"), null, TestContext.Current.CancellationToken);

        Assert.Null(error);
        Assert.Equal(6, TextUpdateCount(updates));
    }

    [Fact]
    public async Task A_thousand_concurrent_streams_all_complete()
    {
        var client = Client(new SimulatorSettings(TimeToFirstTokenMs: 20, TokensPerSecond: 200, AnswerTokens: 20));

        var counts = await Task.WhenAll(Enumerable.Range(0, 1000).Select(async i =>
        {
            var tokens = 0;
            await foreach (var update in client.GetStreamingResponseAsync(Ask($"Question {i}"), cancellationToken: TestContext.Current.CancellationToken))
            {
                tokens += update.Text.Length > 0 ? 1 : 0;
            }

            return tokens;
        }));

        Assert.All(counts, count => Assert.Equal(20, count));
    }
}
