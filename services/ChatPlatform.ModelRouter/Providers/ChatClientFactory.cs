using System.ClientModel;
using System.ClientModel.Primitives;
using System.Collections.Concurrent;
using Anthropic;
using Anthropic.Core;
using ChatPlatform.ModelRouter.Catalog;
using ChatPlatform.ModelRouter.Model;
using ChatPlatform.ModelRouter.Providers.Simulator;
using Microsoft.Extensions.AI;
using OpenAI;

namespace ChatPlatform.ModelRouter.Providers;

/// <summary>
/// Builds each deployment's <see cref="IChatClient"/> from the official SDKs and keeps it while the deployment's
/// definition (and its key) stay the same. The SDKs never retry: routing retries and fails over, and a hidden retry
/// would double the wait before failover and the provider's bill.
/// </summary>
public sealed class ChatClientFactory(IConfiguration configuration, IHttpClientFactory httpClientFactory, TimeProvider timeProvider)
    : IChatClientFactory
{
    /// <summary>The named <see cref="HttpClient"/> the OpenAI SDK sends through.</summary>
    public const string OpenAIHttpClientName = "provider-openai";

    /// <summary>The named <see cref="HttpClient"/> the Anthropic SDK sends through.</summary>
    public const string AnthropicHttpClientName = "provider-anthropic";

    /// <summary>Used when a request sets no MaxOutputTokens: Anthropic's API requires max_tokens.</summary>
    public const int DefaultMaxOutputTokens = 4096;

    /// <summary>
    /// The OpenAI SDK's network timeout bounds each wait for data (a whole answer's included), so it cuts a silent
    /// connection, never a stream that keeps sending. It is only a backstop, as long as the Anthropic SDK's: the router
    /// enforces its own first-token, inter-token and whole-answer timeouts, shorter.
    /// </summary>
    public static readonly TimeSpan NetworkTimeout = TimeSpan.FromMinutes(30);

    /// <summary>The Anthropic SDK's timeout bounds the whole call, body included, so it is as long as an answer may take.</summary>
    public static readonly TimeSpan WholeCallTimeout = TimeSpan.FromMinutes(30);

    private const string OpenAIApiV1 = "openai/v1/";

    private readonly ConcurrentDictionary<string, CachedClient> _clients = new(StringComparer.Ordinal);

    public IChatClient GetClient(DeploymentDefinition deployment)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        var key = ReadKey(deployment);
        if (_clients.TryGetValue(deployment.Id, out var cached) && cached.Definition == deployment && cached.Key == key)
        {
            return cached.Client;
        }

        // A changed definition gets a new client; the old one is left to streams still using it, not disposed.
        var client = Create(deployment, key);
        _clients[deployment.Id] = new CachedClient(deployment, key, client);
        return client;
    }

    private IChatClient Create(DeploymentDefinition deployment, string? key) => deployment.Provider switch
    {
        ProviderKind.OpenAI => CreateOpenAI(deployment, RequireKey(deployment, key), deployment.Endpoint),
        ProviderKind.AzureOpenAI => CreateOpenAI(deployment, RequireKey(deployment, key), AzureV1Endpoint(RequireEndpoint(deployment))),
        // Local servers (vLLM, Ollama) often take no key, but the SDK insists on one.
        ProviderKind.OpenAICompatible => CreateOpenAI(deployment, key ?? "unused", RequireEndpoint(deployment)),
        ProviderKind.Anthropic => CreateAnthropic(deployment, RequireKey(deployment, key)),
        ProviderKind.Simulator => new SimulatorChatClient(deployment.ProviderModel, deployment.Simulator ?? new SimulatorSettings(), timeProvider),
        _ => throw new ProviderException($"Deployment '{deployment.Id}' has an unknown provider '{deployment.Provider}'.", isTransient: false),
    };

    private IChatClient CreateOpenAI(DeploymentDefinition deployment, string key, Uri? endpoint)
    {
        var options = new OpenAIClientOptions
        {
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            // Failures are logged and traced by routing; the SDK's own request logging would only repeat them.
            ClientLoggingOptions = new ClientLoggingOptions { EnableLogging = false, EnableMessageLogging = false },
            NetworkTimeout = NetworkTimeout,
            Transport = new HttpClientPipelineTransport(httpClientFactory.CreateClient(OpenAIHttpClientName)),
        };
        if (endpoint is not null)
        {
            options.Endpoint = endpoint;
        }

        return new OpenAIChatClient(new OpenAIClient(new ApiKeyCredential(key), options).GetChatClient(deployment.ProviderModel), deployment.ProviderModel, options.Endpoint);
    }

    private IChatClient CreateAnthropic(DeploymentDefinition deployment, string key)
    {
        var options = new ClientOptions
        {
            ApiKey = key,
            HttpClient = httpClientFactory.CreateClient(AnthropicHttpClientName),
            MaxRetries = 0,
            Timeout = WholeCallTimeout,
        };
        if (deployment.Endpoint is not null)
        {
            options.BaseUrl = deployment.Endpoint.ToString().TrimEnd('/');
        }

        return new AnthropicToolCallFragments(new AnthropicClient(options).AsIChatClient(deployment.ProviderModel, DefaultMaxOutputTokens));
    }

    // Checked here too: a row stored before the allow-list existed must not send, say, a connection string as a bearer.
    private string? ReadKey(DeploymentDefinition deployment) =>
        string.IsNullOrEmpty(deployment.ApiKeySetting) || !CatalogRules.IsAllowedApiKeySetting(deployment.ApiKeySetting) ? null
            : configuration[deployment.ApiKeySetting] is { Length: > 0 } value ? value : null;

    private static string RequireKey(DeploymentDefinition deployment, string? key) =>
        key ?? throw new ProviderException(
            string.IsNullOrEmpty(deployment.ApiKeySetting)
                ? $"Deployment '{deployment.Id}' ({deployment.Provider}) names no configuration entry for its API key."
                : $"Deployment '{deployment.Id}' ({deployment.Provider}) needs an API key in the configuration entry '{deployment.ApiKeySetting}', which is not set.",
            statusCode: null,
            isTransient: false);

    private static Uri RequireEndpoint(DeploymentDefinition deployment) =>
        deployment.Endpoint ?? throw new ProviderException(
            $"Deployment '{deployment.Id}' ({deployment.Provider}) needs an endpoint.", statusCode: null, isTransient: false);

    /// <summary><c>https://res.openai.azure.com</c> becomes <c>https://res.openai.azure.com/openai/v1/</c>.</summary>
    internal static Uri AzureV1Endpoint(Uri resource)
    {
        var text = resource.ToString();
        if (text.TrimEnd('/').EndsWith("/openai/v1", StringComparison.OrdinalIgnoreCase))
        {
            return new Uri(text.TrimEnd('/') + "/");
        }

        return new Uri(new Uri(text.EndsWith('/') ? text : text + "/"), OpenAIApiV1);
    }

    private sealed record CachedClient(DeploymentDefinition Definition, string? Key, IChatClient Client);
}
