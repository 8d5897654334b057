using ChatPlatform.ModelRouter.Catalog;
using ChatPlatform.ModelRouter.Model;
using Microsoft.Extensions.Configuration;

namespace ChatPlatform.ModelRouter.Tests.Catalog;

public sealed class DefaultCatalogTests
{
    private static IConfiguration Settings(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))).Build();

    [Fact]
    public void Without_provider_settings_only_simulated_models_are_built_and_say_so()
    {
        var configuration = Settings();

        var entries = DefaultCatalog.Build(configuration, includeSimulated: !DefaultCatalog.HasProvider(configuration));

        Assert.Equal(["sim-fast", "sim-smart", "sim-vision", "sim-embed"], entries.Models.Select(m => m.Id));
        Assert.Equal(DefaultCatalog.SimulatedEmbeddingDimensions, entries.Models.Single(m => m.Id == "sim-embed").Capabilities.EmbeddingDimensions);
        Assert.All(entries.Models, m => Assert.Contains("(simulated)", m.DisplayName, StringComparison.Ordinal));
        Assert.All(entries.Deployments, d => Assert.Equal(ProviderKind.Simulator, d.Provider));
        Assert.All(entries.Deployments, d => Assert.NotNull(d.Simulator));
        Assert.True(entries.Models.Single(m => m.Id == "sim-vision").Capabilities.Vision);
        var smart = entries.Deployments.Where(d => d.ModelId == "sim-smart").ToList();
        Assert.Equal(2, smart.Count);
        Assert.Equal(2, smart.Select(d => d.Priority).Distinct().Count());
        Assert.Equal(2, smart.Select(d => d.Price).Distinct().Count());
    }

    [Fact]
    public void Each_provider_setting_adds_its_models_naming_the_key_setting_not_the_key()
    {
        var configuration = Settings(
            ("OPENAI_API_KEY", "sk-openai-secret"),
            ("ANTHROPIC_API_KEY", "sk-ant-secret"),
            ("AZURE_OPENAI_ENDPOINT", "https://example.openai.azure.com/"),
            ("AZURE_OPENAI_API_KEY", "azure-secret"),
            ("AZURE_OPENAI_DEPLOYMENT", "my-GPT"),
            ("OPENAI_COMPATIBLE_BASE_URL", "http://127.0.0.1:11434/v1"),
            ("OPENAI_COMPATIBLE_MODEL", "llama3.2:3b"));

        Assert.True(DefaultCatalog.HasProvider(configuration));
        var entries = DefaultCatalog.Build(configuration, includeSimulated: false);

        Assert.Equal(
            ["gpt-4o", "gpt-4o-mini", "o4-mini", "text-embedding-3-small", "text-embedding-3-large", "claude-sonnet-4-5", "claude-haiku-4-5", "my-gpt", "llama3.2-3b"],
            entries.Models.Select(m => m.Id));
        Assert.Equal(ProviderKind.OpenAI, entries.Deployments.Single(d => d.Id == "openai-gpt-4o").Provider);
        Assert.Equal(new Pricing(2.50m, 1.25m, 10.00m), entries.Deployments.Single(d => d.Id == "openai-gpt-4o").Price);
        Assert.Equal(new Pricing(3.00m, 0.30m, 15.00m), entries.Deployments.Single(d => d.ModelId == "claude-sonnet-4-5").Price);
        var azure = entries.Deployments.Single(d => d.Provider == ProviderKind.AzureOpenAI);
        Assert.Equal(("my-gpt", "my-GPT", "AZURE_OPENAI_API_KEY"), (azure.ModelId, azure.ProviderModel, azure.ApiKeySetting));
        var compatible = entries.Deployments.Single(d => d.Provider == ProviderKind.OpenAICompatible);
        Assert.Equal(("llama3.2:3b", null), (compatible.ProviderModel, compatible.ApiKeySetting));
        Assert.DoesNotContain(entries.Deployments, d => d.Provider == ProviderKind.Simulator);
        Assert.All(entries.Deployments, d => Assert.True(d.ApiKeySetting is null || d.ApiKeySetting.EndsWith("_API_KEY", StringComparison.Ordinal)));
        Assert.All(entries.Deployments, d => Assert.DoesNotContain("secret", d.ToString(), StringComparison.Ordinal));
        Assert.All(entries.Models, m => { var errors = new ValidationErrors(); CatalogRules.Validate(m, errors); Assert.True(errors.IsEmpty, errors.ToString()); });
        Assert.All(entries.Deployments, d => { var errors = new ValidationErrors(); CatalogRules.Validate(d, errors); Assert.True(errors.IsEmpty, errors.ToString()); });
    }

    [Fact]
    public void An_Azure_deployment_of_a_known_model_serves_that_model_behind_OpenAI()
    {
        var configuration = Settings(
            ("OPENAI_API_KEY", "k"), ("AZURE_OPENAI_ENDPOINT", "https://example.openai.azure.com/"), ("AZURE_OPENAI_API_KEY", "k"));

        var entries = DefaultCatalog.Build(configuration, includeSimulated: false);

        Assert.Equal(["gpt-4o", "gpt-4o-mini", "o4-mini", "text-embedding-3-small", "text-embedding-3-large"], entries.Models.Select(m => m.Id));
        var gpt4o = entries.Deployments.Where(d => d.ModelId == "gpt-4o").OrderBy(d => d.Priority).Select(d => d.Provider);
        Assert.Equal([ProviderKind.OpenAI, ProviderKind.AzureOpenAI], gpt4o);
    }

    [Fact]
    public void A_malformed_provider_endpoint_is_a_configuration_error_naming_the_setting()
    {
        var configuration = Settings(("OPENAI_COMPATIBLE_BASE_URL", "localhost:11434"));

        var error = Assert.Throws<InvalidOperationException>(() => DefaultCatalog.Build(configuration, includeSimulated: false));

        Assert.Contains("OPENAI_COMPATIBLE_BASE_URL", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_Azure_embedding_deployment_of_a_known_model_serves_it_behind_OpenAI_and_another_name_is_a_model_of_its_own()
    {
        var known = DefaultCatalog.Build(Settings(
            ("OPENAI_API_KEY", "k"), ("AZURE_OPENAI_ENDPOINT", "https://example.openai.azure.com/"), ("AZURE_OPENAI_API_KEY", "k"),
            ("AZURE_OPENAI_EMBEDDING_DEPLOYMENT", "text-embedding-3-small")), includeSimulated: false);
        var own = DefaultCatalog.Build(Settings(
            ("AZURE_OPENAI_ENDPOINT", "https://example.openai.azure.com/"), ("AZURE_OPENAI_API_KEY", "k"),
            ("AZURE_OPENAI_EMBEDDING_DEPLOYMENT", "My-Embedder")), includeSimulated: false);

        var small = known.Deployments.Where(d => d.ModelId == "text-embedding-3-small").OrderBy(d => d.Priority).Select(d => d.Provider);
        Assert.Equal([ProviderKind.OpenAI, ProviderKind.AzureOpenAI], small);
        var model = Assert.Single(own.Models, m => m.Capabilities.Embeddings);
        Assert.Equal(("my-embedder", 1_536), (model.Id, model.Capabilities.EmbeddingDimensions));
        Assert.Equal("My-Embedder", own.Deployments.Single(d => d.ModelId == "my-embedder").ProviderModel);
    }

    [Fact]
    public void A_self_hosted_model_fails_over_to_the_hosted_model_named_behind_it()
    {
        var configuration = Settings(
            ("OPENAI_API_KEY", "k"),
            ("OPENAI_COMPATIBLE_BASE_URL", "http://vllm/v1"),
            ("OPENAI_COMPATIBLE_MODEL", "Qwen/Qwen2.5-1.5B-Instruct"),
            ("OPENAI_COMPATIBLE_FAILOVER_MODEL", "gpt-4o-mini"));

        var entries = DefaultCatalog.Build(configuration, includeSimulated: false);

        var served = entries.Deployments.Where(d => d.ModelId == "qwen-qwen2.5-1.5b-instruct").OrderBy(d => d.Priority).ToList();
        Assert.Equal(
            [(ProviderKind.OpenAICompatible, "Qwen/Qwen2.5-1.5B-Instruct", 0), (ProviderKind.OpenAI, "gpt-4o-mini", 1)],
            served.Select(d => (d.Provider, d.ProviderModel, d.Priority)));
        // At the hosted model's own price and key; the hosted model itself is untouched, and no model is added.
        Assert.Equal(entries.Deployments.Single(d => d.Id == "openai-gpt-4o-mini") with { Id = served[1].Id, ModelId = served[1].ModelId, Priority = 1 }, served[1]);
        Assert.Single(entries.Deployments, d => d.ModelId == "gpt-4o-mini");
        Assert.Equal(6, entries.Models.Count);
        Assert.All(served, d => { var errors = new ValidationErrors(); CatalogRules.Validate(d, errors); Assert.True(errors.IsEmpty, errors.ToString()); });
    }

    [Fact]
    public void A_failover_model_no_provider_serves_is_a_configuration_error_naming_the_setting()
    {
        var configuration = Settings(
            ("OPENAI_COMPATIBLE_BASE_URL", "http://vllm/v1"), ("OPENAI_COMPATIBLE_FAILOVER_MODEL", "gpt-4o-mini"));

        var error = Assert.Throws<InvalidOperationException>(() => DefaultCatalog.Build(configuration, includeSimulated: false));

        Assert.Contains("OPENAI_COMPATIBLE_FAILOVER_MODEL", error.Message, StringComparison.Ordinal);
    }
}
