using ChatPlatform.ModelRouter.Catalog;
using ChatPlatform.ModelRouter.Model;
using ChatPlatform.ModelRouter.Providers;
using ChatPlatform.ModelRouter.Providers.Embeddings;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace ChatPlatform.ModelRouter.Routing;

/// <summary>
/// Serves an embeddings request from the model's deployments with chat's routing: the same strategy order
/// (<see cref="DeploymentSelector"/>), the same skipping of rate-limited deployments and open circuits and the same
/// leases (<see cref="DeploymentCandidates"/>), the same classification of failures. An embedding is a whole answer, so
/// every failure before it is in fails over (no hedging: there is no first token to be slow with), bounded by
/// <see cref="RoutingOptions.WholeAnswerTimeout"/> per attempt.
/// </summary>
public sealed class EmbeddingRouter(
    IModelCatalog catalog,
    IEmbeddingClientFactory clients,
    DeploymentSelector selector,
    DeploymentHealthRegistry health,
    IOptions<RoutingOptions> options,
    TimeProvider time)
{
    /// <summary>
    /// Throws <see cref="RoutingException"/> for an unknown model (404), a model that does not embed or a request it
    /// cannot take (400), a provider's rejection (4xx/502), or when no deployment answered (503, with each one's reason).
    /// </summary>
    public async Task<EmbeddingResult> EmbedAsync(EmbeddingRequest request, CancellationToken cancellationToken)
    {
        var snapshot = catalog.Current;
        var model = snapshot.FindModel(request.Model);
        var deployments = model is null ? [] : snapshot.DeploymentsOf(model.Id);
        if (model is not { Enabled: true } || deployments.Count == 0)
        {
            throw RoutingException.ModelNotFound(request.Model);
        }
        var modelDimensions = model.Capabilities.EmbeddingDimensions ?? throw NotAnEmbeddingModel(model, deployments);
        if (request.Dimensions is { } asked && asked > modelDimensions)
        {
            throw RoutingException.InvalidRequest(
                $"The model '{model.Id}' returns at most {modelDimensions} dimensions; {asked} were asked for.", "dimensions", "invalid_dimensions");
        }
        var promptEstimate = 0L;
        for (var i = 0; i < request.Inputs.Count; i++)
        {
            var tokens = TokenEstimator.FromCharacters(request.Inputs[i].Length);
            if (tokens > model.ContextWindow)
            {
                throw RoutingException.InvalidRequest(
                    $"input[{i}] is about {tokens} tokens; the model '{model.Id}' takes at most {model.ContextWindow} per input.",
                    "input", "context_length_exceeded");
            }
            promptEstimate += tokens;
        }

        var settings = options.Value;
        var expectedDimensions = request.Dimensions ?? modelDimensions;
        var startedAt = time.GetTimestamp();
        using var activity = RouterTelemetry.StartRequest(model.Id, Operation);
        var candidates = new DeploymentCandidates(selector.Order(model, deployments, promptEstimate, 0), health);
        try
        {
            while (await candidates.NextAsync(d => clients.GetGenerator(d, modelDimensions)) is { } next)
            {
                var deployment = next.Deployment;
                using var attemptActivity = RouterTelemetry.StartAttempt(deployment, Operation);
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(settings.WholeAnswerTimeout);
                GeneratedEmbeddings<Embedding<float>> generated;
                try
                {
                    var embedOptions = new EmbeddingGenerationOptions { ModelId = deployment.ProviderModel, Dimensions = request.Dimensions };
                    // WaitAsync keeps the timeout even for a provider that does not observe its token.
                    generated = await next.Client.GenerateAsync(request.Inputs, embedOptions, timeout.Token).WaitAsync(timeout.Token);
                    CheckShape(deployment, generated, request.Inputs.Count, expectedDimensions);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    next.Lease.Abandon();
                    throw;
                }
                catch (Exception e)
                {
                    var error = e switch
                    {
                        OperationCanceledException => new TimeoutException(
                            $"Deployment '{deployment.Id}' sent no embeddings within {settings.WholeAnswerTimeout.TotalSeconds:0.###} s.", e),
                        ProviderException or TimeoutException => e,
                        _ => ProviderErrors.Classify(e, deployment.Provider),
                    };
                    next.Lease.Health.RecordError(error);
                    next.Lease.Fail(error);
                    RouterTelemetry.SetError(attemptActivity, error);
                    if (error is ProviderException { IsTransient: false } rejected)
                    {
                        throw DeploymentCandidates.Rejected(deployment, rejected);
                    }
                    candidates.FailedOver(deployment, error);
                    continue;
                }
                next.Lease.Succeed();
                var usage = Usage(model, deployment, generated, promptEstimate, time.GetElapsedTime(startedAt));
                RouterTelemetry.RecordUsage(usage, deployment.ProviderModel, streamed: false, Operation);
                RouterTelemetry.TagUsage(activity, usage, deployment.ProviderModel);
                RouterTelemetry.TagUsage(attemptActivity, usage, deployment.ProviderModel);
                return new EmbeddingResult(model.Id, [.. generated.Select(g => g.Vector)], usage);
            }
            throw candidates.AllFailed(model);
        }
        catch (Exception error)
        {
            RouterTelemetry.SetError(activity, error);
            throw;
        }
    }

    /// <summary>OpenTelemetry's name for the operation.</summary>
    public const string Operation = "embeddings";

    // A vector of the wrong length would be stored beside others it cannot be compared with: that deployment is faulty.
    private static void CheckShape(DeploymentDefinition deployment, GeneratedEmbeddings<Embedding<float>> generated, int inputs, int dimensions)
    {
        if (generated.Count != inputs)
        {
            throw new ProviderException($"Deployment '{deployment.Id}' returned {generated.Count} embeddings for {inputs} inputs.", isTransient: true);
        }
        if (generated.FirstOrDefault(g => g.Vector.Length != dimensions) is { } wrong)
        {
            throw new ProviderException(
                $"Deployment '{deployment.Id}' returned {wrong.Vector.Length} dimensions where {dimensions} were expected.", isTransient: true);
        }
    }

    private static RouteUsage Usage(
        ModelDefinition model, DeploymentDefinition deployment, GeneratedEmbeddings<Embedding<float>> generated, long promptEstimate, TimeSpan duration)
    {
        var reported = generated.Usage?.InputTokenCount;
        var inputTokens = reported ?? promptEstimate;
        return new RouteUsage(
            model.Id, deployment.Id, deployment.Provider, inputTokens, OutputTokens: 0, CachedInputTokens: 0, Estimated: reported is null,
            TimeToFirstToken: duration, duration, deployment.Price.CostOf(inputTokens, 0, 0), FinishReason: null);
    }

    private static RoutingException NotAnEmbeddingModel(ModelDefinition model, IReadOnlyList<DeploymentDefinition> deployments) =>
        RoutingException.InvalidRequest(
            deployments.All(d => d.Provider == ProviderKind.Anthropic)
                ? $"The model '{model.Id}' is served by Anthropic, which has no embeddings API; pick an embedding model."
                : $"The model '{model.Id}' does not produce embeddings; pick an embedding model.",
            "model", "model_not_embedding");
}
