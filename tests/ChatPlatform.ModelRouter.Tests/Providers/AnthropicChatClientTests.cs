using ChatPlatform.ModelRouter.Model;
using ChatPlatform.ModelRouter.Tests.Fakes;
using Microsoft.Extensions.AI;
using static ChatPlatform.ModelRouter.Tests.Providers.ProviderTestHost;

namespace ChatPlatform.ModelRouter.Tests.Providers;

public sealed class AnthropicChatClientTests : ProviderFailureTests<FakeAnthropicServer>
{
    private static readonly ChatMessage[] Question = [new(ChatRole.System, "Answer in French."), new(ChatRole.User, "Say hello.")];

    protected override Task<FakeAnthropicServer> StartServerAsync(CancellationToken cancellationToken) => FakeAnthropicServer.StartAsync(cancellationToken);

    protected override DeploymentDefinition Deployment() => Server.Deployment();

    [Fact]
    public async Task Streamed_text_arrives_in_order_over_several_updates_with_the_reported_usage()
    {
        Server.Behavior = FakeBehavior.Answer("Bon", "jour", " à", " tous") with { InputTokens = 30, CachedInputTokens = 12, OutputTokens = 7 };
        var deployment = Server.Deployment();
        var client = CreateFactory(Server.KeyConfiguration).GetClient(deployment);

        var (updates, error) = await StreamAsync(client, deployment, Question, options: null, TestContext.Current.CancellationToken);

        Assert.Null(error);
        Assert.Equal("Bonjour à tous", Text(updates));
        Assert.True(TextUpdateCount(updates) >= 4);
        var usage = Assert.IsType<UsageDetails>(Usage(updates));
        Assert.Equal(30, usage.InputTokenCount);
        Assert.Equal(12, usage.CachedInputTokenCount);
        Assert.Equal(7, usage.OutputTokenCount);
    }

    [Fact]
    public async Task The_request_carries_the_key_the_system_prompt_max_tokens_and_an_image()
    {
        var deployment = Server.Deployment(providerModel: "claude-provider-name");
        var client = CreateFactory(Server.KeyConfiguration).GetClient(deployment);
        byte[] png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
        ChatMessage[] messages =
        [
            new(ChatRole.System, "Describe images briefly."),
            new(ChatRole.User, [new TextContent("What is this?"), new DataContent(png, "image/png")]),
        ];

        var (_, error) = await StreamAsync(client, deployment, messages, new ChatOptions { MaxOutputTokens = 321 }, TestContext.Current.CancellationToken);

        Assert.Null(error);
        var request = Assert.Single(Server.Requests);
        Assert.Equal("/v1/messages", request.Path);
        Assert.Equal(FakeProviderServer.ApiKey, request.Header("x-api-key"));
        Assert.NotNull(request.Header("anthropic-version"));
        Assert.Equal("claude-provider-name", request.Body["model"]?.GetValue<string>());
        Assert.Equal(321, request.Body["max_tokens"]?.GetValue<int>());
        Assert.True(request.Stream);
        Assert.Contains("Describe images briefly.", request.Body["system"]?.ToJsonString());
        var message = Assert.Single(request.Body["messages"]!.AsArray());
        Assert.Equal("user", message!["role"]?.GetValue<string>());
        var image = Assert.Single(message["content"]!.AsArray(), block => block?["type"]?.GetValue<string>() == "image");
        Assert.Equal("base64", image!["source"]?["type"]?.GetValue<string>());
        Assert.Equal("image/png", image["source"]?["media_type"]?.GetValue<string>());
        Assert.Equal(Convert.ToBase64String(png), image["source"]?["data"]?.GetValue<string>());
    }

    [Fact]
    public async Task An_image_by_url_is_sent_as_a_url_source()
    {
        var deployment = Server.Deployment();
        var client = CreateFactory(Server.KeyConfiguration).GetClient(deployment);
        ChatMessage[] messages = [new(ChatRole.User, [new TextContent("And this?"), new UriContent("https://example.com/cat.png", "image/png")])];

        var (_, error) = await StreamAsync(client, deployment, messages, options: null, TestContext.Current.CancellationToken);

        Assert.Null(error);
        var content = Assert.Single(Server.Requests).Body["messages"]![0]!["content"]!.AsArray();
        var image = Assert.Single(content, block => block?["type"]?.GetValue<string>() == "image");
        Assert.Equal("url", image!["source"]?["type"]?.GetValue<string>());
        Assert.Equal("https://example.com/cat.png", image["source"]?["url"]?.GetValue<string>());
    }

    [Fact]
    public async Task Without_a_requested_limit_max_tokens_is_the_default()
    {
        var deployment = Server.Deployment();
        var client = CreateFactory(Server.KeyConfiguration).GetClient(deployment);

        await StreamAsync(client, deployment, Question, options: null, TestContext.Current.CancellationToken);

        Assert.Equal(ModelRouter.Providers.ChatClientFactory.DefaultMaxOutputTokens, Assert.Single(Server.Requests).Body["max_tokens"]?.GetValue<int>());
    }

    [Fact]
    public async Task A_non_streamed_answer_has_the_text_and_usage()
    {
        Server.Behavior = FakeBehavior.Answer("Tout", " entier") with { InputTokens = 5 };
        var client = CreateFactory(Server.KeyConfiguration).GetClient(Server.Deployment());

        var response = await client.GetResponseAsync(Question, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("Tout entier", response.Text);
        Assert.Equal(5, response.Usage?.InputTokenCount);
        Assert.Equal(2, response.Usage?.OutputTokenCount);
    }
}
