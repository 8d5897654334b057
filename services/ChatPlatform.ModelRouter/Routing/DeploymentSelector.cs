using ChatPlatform.ModelRouter.Model;

namespace ChatPlatform.ModelRouter.Routing;

/// <summary>Orders a model's deployments by its strategy: the router tries them in this order.</summary>
public sealed class DeploymentSelector(DeploymentHealthRegistry health, Random random)
{
    private readonly Lock _randomLock = new();

    public IReadOnlyList<DeploymentDefinition> Order(
        ModelDefinition model, IReadOnlyList<DeploymentDefinition> deployments, long promptTokens, long maxOutputTokens)
    {
        var byPriority = deployments.OrderBy(d => d.Priority).ThenByDescending(d => d.Weight).ThenBy(d => d.Id, StringComparer.Ordinal).ToList();
        return model.Strategy switch
        {
            RoutingStrategy.Weighted => ByWeight(byPriority),
            // Deployments without a sample yet go first: that is how they get one.
            RoutingStrategy.LowestLatency => [.. byPriority.OrderBy(d => health.Get(d.Id).TimeToFirstToken ?? TimeSpan.MinValue)],
            RoutingStrategy.LowestCost => [.. byPriority.OrderBy(d => d.Price.CostOf(promptTokens, 0, maxOutputTokens))],
            _ => byPriority,
        };
    }

    /// <summary>Draws without replacement, each in proportion to its weight; zero weights come last, by priority.</summary>
    private List<DeploymentDefinition> ByWeight(List<DeploymentDefinition> byPriority)
    {
        var remaining = byPriority.Where(d => d.Weight > 0).ToList();
        var ordered = new List<DeploymentDefinition>(byPriority.Count);
        lock (_randomLock)
        {
            while (remaining.Count > 0)
            {
                var total = remaining.Sum(d => (long)d.Weight);
                var draw = random.NextInt64(total);
                var index = 0;
                while (draw >= remaining[index].Weight)
                {
                    draw -= remaining[index].Weight;
                    index++;
                }
                ordered.Add(remaining[index]);
                remaining.RemoveAt(index);
            }
        }
        ordered.AddRange(byPriority.Where(d => d.Weight <= 0));
        return ordered;
    }
}
