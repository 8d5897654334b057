using ChatPlatform.ModelRouter.Model;
using ChatPlatform.ModelRouter.Providers;
using ChatPlatform.ModelRouter.Tests.Fakes;
using Microsoft.Extensions.AI;
using static ChatPlatform.ModelRouter.Tests.Providers.ProviderTestHost;

namespace ChatPlatform.ModelRouter.Tests.Providers;

public sealed class OpenAIChatClientTests : ProviderFailureTests<FakeOpenAIServer>
{
    private static readonly ChatMessage[] Question = [new(ChatRole.System, "Be brief."), new(ChatRole.User, "Say hello.")];

    protected override Task<FakeOpenAIServer> StartServerAsync(CancellationToken cancellationToken) => FakeOpenAIServer.StartAsync(cancellationToken);

    protected override DeploymentDefinition Deployment() => Server.Deployment();

    [Fact]
    public async Task Streamed_text_arrives_in_order_over_several_updates_with_the_reported_usage()
    {
        Server.Behavior = FakeBehavior.Answer("One", " two", " three", " four") with { InputTokens = 30, CachedInputTokens = 12, OutputTokens = 9 };
        var deployment = Server.Deployment();
        var client = CreateFactory(Server.KeyConfiguration).GetClient(deployment);

        var (updates, error) = await StreamAsync(client, deployment, Question, options: null, TestContext.Current.CancellationToken);

        Assert.Null(error);
        Assert.Equal("One two three four", Text(updates));
        Assert.True(TextUpdateCount(updates) >= 4);
        var usage = Assert.IsType<UsageDetails>(Usage(updates));
        Assert.Equal(30, usage.InputTokenCount);
        Assert.Equal(12, usage.CachedInputTokenCount);
        Assert.Equal(9, usage.OutputTokenCount);
        Assert.Contains(updates, update => update.FinishReason == ChatFinishReason.Stop);
    }

    [Fact]
    public async Task A_streamed_request_asks_for_usage_and_carries_the_key_as_a_bearer_token()
    {
        var deployment = Server.Deployment(providerModel: "gpt-provider-name");
        var client = CreateFactory(Server.KeyConfiguration).GetClient(deployment);

        await StreamAsync(client, deployment, Question, new ChatOptions { MaxOutputTokens = 50 }, TestContext.Current.CancellationToken);

        var request = Assert.Single(Server.Requests);
        Assert.Equal("/v1/chat/completions", request.Path);
        Assert.Equal($"Bearer {FakeProviderServer.ApiKey}", request.Header("Authorization"));
        Assert.True(request.Stream);
        Assert.True(request.Body["stream_options"]?["include_usage"]?.GetValue<bool>());
        Assert.Equal("gpt-provider-name", request.Body["model"]?.GetValue<string>());
        Assert.Equal("system", request.Body["messages"]?[0]?["role"]?.GetValue<string>());
    }

    [Fact]
    public async Task The_options_and_an_image_reach_the_provider_in_OpenAI_names()
    {
        var deployment = Server.Deployment();
        var client = CreateFactory(Server.KeyConfiguration).GetClient(deployment);
        var png = new byte[] { 0x89, 0x50, 0x4E, 0x47 };
        ChatMessage[] messages = [new(ChatRole.User, [new TextContent("What is this?"), new DataContent(png, "image/png")])];
        var options = new ChatOptions
        {
            MaxOutputTokens = 77, Temperature = 0.25f, TopP = 0.5f, FrequencyPenalty = -1, PresencePenalty = 1.5f, Seed = 42, StopSequences = ["END", "STOP"],
        };

        var (_, error) = await StreamAsync(client, deployment, messages, options, TestContext.Current.CancellationToken);

        Assert.Null(error);
        var body = Assert.Single(Server.Requests).Body;
        Assert.Equal(77, body["max_completion_tokens"]?.GetValue<int>());
        Assert.Equal(0.25, body["temperature"]?.GetValue<double>());
        Assert.Equal(0.5, body["top_p"]?.GetValue<double>());
        Assert.Equal(-1, body["frequency_penalty"]?.GetValue<double>());
        Assert.Equal(1.5, body["presence_penalty"]?.GetValue<double>());
        Assert.Equal(42, body["seed"]?.GetValue<long>());
        Assert.Equal(["END", "STOP"], body["stop"]!.AsArray().Select(s => s!.GetValue<string>()));
        var parts = body["messages"]![0]!["content"]!.AsArray();
        Assert.Equal("What is this?", parts[0]?["text"]?.GetValue<string>());
        Assert.Equal("data:image/png;base64," + Convert.ToBase64String(png), parts[1]?["image_url"]?["url"]?.GetValue<string>());
    }

    [Fact]
    public async Task A_request_without_options_sends_only_the_model_the_messages_and_the_stream_settings()
    {
        var deployment = Server.Deployment();
        var client = CreateFactory(Server.KeyConfiguration).GetClient(deployment);

        await StreamAsync(client, deployment, Question, options: null, TestContext.Current.CancellationToken);

        var body = Assert.Single(Server.Requests).Body;
        Assert.Equal(["messages", "model", "stream", "stream_options"], body.AsObject().Select(p => p.Key).Order());
    }

    [Fact]
    public async Task A_non_streamed_answer_has_the_text_and_usage()
    {
        Server.Behavior = FakeBehavior.Answer("Whole", " answer") with { InputTokens = 5 };
        var client = CreateFactory(Server.KeyConfiguration).GetClient(Server.Deployment());

        var response = await client.GetResponseAsync(Question, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("Whole answer", response.Text);
        Assert.Equal(5, response.Usage?.InputTokenCount);
        Assert.Equal(2, response.Usage?.OutputTokenCount);
        Assert.False(Assert.Single(Server.Requests).Stream);
    }

    [Fact]
    public async Task Azure_OpenAI_is_called_on_the_v1_API_of_the_resource_with_its_key()
    {
        var deployment = Server.Deployment(provider: ProviderKind.AzureOpenAI);
        var client = CreateFactory(Server.KeyConfiguration).GetClient(deployment);

        var (updates, error) = await StreamAsync(client, deployment, Question, options: null, TestContext.Current.CancellationToken);

        Assert.Null(error);
        Assert.Equal(new FakeBehavior().FinalText, Text(updates));
        var request = Assert.Single(Server.Requests);
        Assert.Equal("/openai/v1/chat/completions", request.Path);
        Assert.Equal($"Bearer {FakeProviderServer.ApiKey}", request.Header("Authorization"));
    }

    [Fact]
    public async Task An_OpenAI_compatibleServer_needs_no_key()
    {
        var deployment = Server.Deployment(provider: ProviderKind.OpenAICompatible) with { ApiKeySetting = null };
        var client = CreateFactory().GetClient(deployment);

        var (updates, error) = await StreamAsync(client, deployment, Question, options: null, TestContext.Current.CancellationToken);

        Assert.Null(error);
        Assert.Equal(new FakeBehavior().FinalText, Text(updates));
    }

    [Fact]
    public void A_missing_key_is_a_permanent_error_naming_the_setting()
    {
        var deployment = Server.Deployment();

        var error = Assert.Throws<ProviderException>(() => CreateFactory().GetClient(deployment));

        Assert.False(error.IsTransient);
        Assert.Null(error.StatusCode);
        Assert.Contains(Server.ApiKeySetting, error.Message);
    }

    [Fact]
    public async Task Slow_tokens_still_arrive_one_by_one()
    {
        Server.Behavior = FakeBehavior.Answer("slow", " but", " steady") with { TokenDelay = TimeSpan.FromMilliseconds(30) };
        var deployment = Server.Deployment();
        var client = CreateFactory(Server.KeyConfiguration).GetClient(deployment);

        var (updates, error) = await StreamAsync(client, deployment, Question, options: null, TestContext.Current.CancellationToken);

        Assert.Null(error);
        Assert.Equal(["slow", " but", " steady"], updates.Where(update => update.Text.Length > 0).Select(update => update.Text));
    }
}
