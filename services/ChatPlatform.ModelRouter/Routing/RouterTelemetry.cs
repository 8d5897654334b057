using System.Diagnostics;
using System.Diagnostics.Metrics;
using ChatPlatform.ModelRouter.Model;

namespace ChatPlatform.ModelRouter.Routing;

/// <summary>Spans and metrics under OpenTelemetry's GenAI semantic conventions; no prompt or answer text by default.</summary>
public static class RouterTelemetry
{
    public const string Name = "ChatPlatform.ModelRouter";

    public static readonly ActivitySource Source = new(Name);

    private static readonly Meter Meter = new(Name);

    public static readonly Histogram<long> TokenUsage = Meter.CreateHistogram<long>(
        "gen_ai.client.token.usage", "{token}", "Tokens used per request, by gen_ai.token.type (input, output).");

    public static readonly Histogram<double> OperationDuration = Meter.CreateHistogram<double>(
        "gen_ai.client.operation.duration", "s", "Duration of a chat request, first byte to last token.");

    public static readonly Histogram<double> TimeToFirstToken = Meter.CreateHistogram<double>(
        "gen_ai.server.time_to_first_token", "s", "Time from the request to its first token.");

    public static readonly Counter<long> Failovers = Meter.CreateCounter<long>(
        "chatplatform.router.failovers", "{failover}", "Attempts that failed before the first token and moved to the next deployment.");

    public static readonly Counter<long> Hedges = Meter.CreateCounter<long>(
        "chatplatform.router.hedges", "{attempt}", "Hedged attempts started because the first was slow to answer.");

    public static readonly Counter<double> Cost = Meter.CreateCounter<double>(
        "chatplatform.router.cost", "USD", "Cost of requests at the deployments' prices.");

    public static string ProviderName(ProviderKind provider) => provider switch
    {
        ProviderKind.OpenAI => "openai",
        ProviderKind.AzureOpenAI => "azure.ai.openai",
        ProviderKind.Anthropic => "anthropic",
        ProviderKind.OpenAICompatible => "openai_compatible",
        _ => "chatplatform.simulator",
    };

    public static Activity? StartRequest(string model, string operation = "chat")
    {
        var activity = Source.StartActivity($"{operation} {model}", ActivityKind.Internal);
        activity?.SetTag("gen_ai.operation.name", operation);
        activity?.SetTag("gen_ai.request.model", model);
        return activity;
    }

    public static Activity? StartAttempt(DeploymentDefinition deployment, string operation = "chat")
    {
        var activity = Source.StartActivity($"{operation} {deployment.ProviderModel}", ActivityKind.Client);
        if (activity is not null)
        {
            activity.SetTag("gen_ai.operation.name", operation);
            activity.SetTag("gen_ai.request.model", deployment.ProviderModel);
            activity.SetTag("gen_ai.provider.name", ProviderName(deployment.Provider));
            activity.SetTag("chatplatform.deployment.id", deployment.Id);
        }
        return activity;
    }

    public static void SetError(Activity? activity, Exception error)
    {
        activity?.SetStatus(ActivityStatusCode.Error, error.Message);
        activity?.SetTag("error.type", error is Providers.ProviderException { StatusCode: { } status } ? status.ToString(System.Globalization.CultureInfo.InvariantCulture) : error.GetType().Name);
    }

    /// <summary>The usage as span attributes (the request's span and the winning attempt's).</summary>
    public static void TagUsage(Activity? activity, RouteUsage usage, string providerModel)
    {
        if (activity is null)
        {
            return;
        }
        activity.SetTag("gen_ai.response.model", providerModel);
        activity.SetTag("gen_ai.provider.name", ProviderName(usage.Provider));
        activity.SetTag("chatplatform.deployment.id", usage.DeploymentId);
        activity.SetTag("gen_ai.usage.input_tokens", usage.InputTokens);
        activity.SetTag("gen_ai.usage.output_tokens", usage.OutputTokens);
        activity.SetTag("chatplatform.usage.estimated", usage.Estimated);
        activity.SetTag("chatplatform.cost_usd", (double)usage.Cost);
        if (usage.FinishReason is not null)
        {
            activity.SetTag("gen_ai.response.finish_reasons", new[] { usage.FinishReason });
        }
    }

    /// <summary>The usage as metrics, once per request; a time to first token only for a streamed answer.</summary>
    public static void RecordUsage(RouteUsage usage, string providerModel, bool streamed, string operation = "chat")
    {
        var tags = new TagList
        {
            { "gen_ai.operation.name", operation },
            { "gen_ai.provider.name", ProviderName(usage.Provider) },
            { "gen_ai.request.model", usage.Model },
            { "gen_ai.response.model", providerModel },
        };
        var input = tags;
        input.Add("gen_ai.token.type", "input");
        TokenUsage.Record(usage.InputTokens, input);
        var output = tags;
        output.Add("gen_ai.token.type", "output");
        TokenUsage.Record(usage.OutputTokens, output);
        OperationDuration.Record(usage.Duration.TotalSeconds, tags);
        if (streamed)
        {
            TimeToFirstToken.Record(usage.TimeToFirstToken.TotalSeconds, tags);
        }
        Cost.Add((double)usage.Cost, tags);
    }
}
