using ChatPlatform.ModelRouter.Model;
using ChatPlatform.ModelRouter.Providers;
using Microsoft.Extensions.DependencyInjection;
using static ChatPlatform.ModelRouter.Tests.Providers.ProviderTestHost;

namespace ChatPlatform.ModelRouter.Tests.Providers;

public sealed class ChatClientFactoryTests
{
    private static readonly DeploymentDefinition OpenAI = new(
        "openai-1", "gpt", ProviderKind.OpenAI, "gpt-4o-mini", new Uri("http://127.0.0.1:9/v1/"), "Providers:Keys:test_openai", 1, 1, Pricing.Free);

    private static readonly KeyValuePair<string, string?> Key = new("Providers:Keys:test_openai", "sk-test");

    [Fact]
    public void The_same_deployment_gets_the_same_client()
    {
        var factory = CreateFactory(Key);

        Assert.Same(factory.GetClient(OpenAI), factory.GetClient(OpenAI with { }));
    }

    [Fact]
    public void A_changed_definition_gets_a_new_client()
    {
        var factory = CreateFactory(Key);
        var before = factory.GetClient(OpenAI);

        var after = factory.GetClient(OpenAI with { ProviderModel = "gpt-4.1" });

        Assert.NotSame(before, after);
        Assert.Same(after, factory.GetClient(OpenAI with { ProviderModel = "gpt-4.1" }));
    }

    [Fact]
    public void A_missing_key_is_permanent_and_never_shows_a_key()
    {
        var error = Assert.Throws<ProviderException>(() => CreateFactory().GetClient(OpenAI with { Provider = ProviderKind.Anthropic }));

        Assert.False(error.IsTransient);
        Assert.Null(error.StatusCode);
        Assert.Contains("Providers:Keys:test_openai", error.Message);
    }

    [Fact]
    public void A_stored_deployment_naming_a_setting_that_is_not_a_provider_key_never_reads_it()
    {
        const string connectionString = "Host=db;Password=hunter2";
        var factory = CreateFactory(new KeyValuePair<string, string?>("ConnectionStrings:chatdb", connectionString));

        var error = Assert.Throws<ProviderException>(() => factory.GetClient(OpenAI with { ApiKeySetting = "ConnectionStrings:chatdb" }));

        Assert.False(error.IsTransient);
        Assert.DoesNotContain("hunter2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_OpenAI_compatible_deployment_without_an_endpoint_is_a_permanent_error()
    {
        var error = Assert.Throws<ProviderException>(() =>
            CreateFactory().GetClient(OpenAI with { Provider = ProviderKind.OpenAICompatible, Endpoint = null, ApiKeySetting = null }));

        Assert.False(error.IsTransient);
    }

    [Theory]
    [InlineData("https://res.openai.azure.com", "https://res.openai.azure.com/openai/v1/")]
    [InlineData("https://res.openai.azure.com/", "https://res.openai.azure.com/openai/v1/")]
    [InlineData("https://res.openai.azure.com/openai/v1", "https://res.openai.azure.com/openai/v1/")]
    [InlineData("https://res.openai.azure.com/openai/v1/", "https://res.openai.azure.com/openai/v1/")]
    public void Azure_endpoints_use_the_v1_API(string resource, string expected) =>
        Assert.Equal(new Uri(expected), ChatClientFactory.AzureV1Endpoint(new Uri(resource)));

    [Theory]
    [InlineData(ChatClientFactory.OpenAIHttpClientName)]
    [InlineData(ChatClientFactory.AnthropicHttpClientName)]
    public void Provider_http_clients_carry_no_resilience_handler_of_their_own(string name)
    {
        var handlers = CreateServices().GetRequiredService<IHttpMessageHandlerFactory>();

        Assert.Contains(HandlerChain(handlers.CreateHandler("any-other-client")), type => type.Name.Contains("Resilience", StringComparison.Ordinal));
        Assert.DoesNotContain(HandlerChain(handlers.CreateHandler(name)), type => type.Name.Contains("Resilience", StringComparison.Ordinal));
    }

    private static List<Type> HandlerChain(HttpMessageHandler handler)
    {
        var chain = new List<Type>();
        for (HttpMessageHandler? current = handler; current is not null; current = (current as DelegatingHandler)?.InnerHandler)
        {
            chain.Add(current.GetType());
        }

        return chain;
    }
}
