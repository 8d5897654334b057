using ChatPlatform.ModelRouter.Model;
using ChatPlatform.ModelRouter.Providers;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ChatPlatform.ModelRouter.Tests.Providers;

/// <summary>The factory as the service wires it: service defaults (with their resilience handler) plus AddChatProviders.</summary>
internal static class ProviderTestHost
{
    public static IChatClientFactory CreateFactory(params KeyValuePair<string, string?>[] configuration) =>
        CreateServices(configuration).GetRequiredService<IChatClientFactory>();

    public static IServiceProvider CreateServices(params KeyValuePair<string, string?>[] configuration)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(configuration);
        builder.AddServiceDefaults();
        builder.AddChatProviders();
        return builder.Build().Services;
    }

    /// <summary>Streams until the end or the first error, which comes back classified as routing would see it.</summary>
    public static async Task<(List<ChatResponseUpdate> Updates, ProviderException? Error)> StreamAsync(
        IChatClient client, DeploymentDefinition deployment, IEnumerable<ChatMessage> messages, ChatOptions? options, CancellationToken cancellationToken)
    {
        var updates = new List<ChatResponseUpdate>();
        try
        {
            await foreach (var update in client.GetStreamingResponseAsync(messages, options, cancellationToken))
            {
                updates.Add(update);
            }

            return (updates, null);
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
        {
            return (updates, ProviderErrors.Classify(exception, deployment.Provider));
        }
    }

    /// <summary>Asks for the whole answer; an error comes back classified as routing would see it.</summary>
    public static async Task<(ChatResponse? Response, ProviderException? Error)> AskWholeAsync(
        IChatClient client, DeploymentDefinition deployment, IEnumerable<ChatMessage> messages, CancellationToken cancellationToken)
    {
        try
        {
            return (await client.GetResponseAsync(messages, cancellationToken: cancellationToken), null);
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, ProviderErrors.Classify(exception, deployment.Provider));
        }
    }

    public static string Text(IEnumerable<ChatResponseUpdate> updates) => string.Concat(updates.Select(update => update.Text));

    public static int TextUpdateCount(IEnumerable<ChatResponseUpdate> updates) => updates.Count(update => update.Text.Length > 0);

    public static UsageDetails? Usage(IEnumerable<ChatResponseUpdate> updates) =>
        updates.SelectMany(update => update.Contents).OfType<UsageContent>().LastOrDefault()?.Details;
}
