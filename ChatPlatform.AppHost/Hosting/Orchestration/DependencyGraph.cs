using ChatPlatform.AppHost.Hosting.Resources;

namespace ChatPlatform.AppHost.Hosting.Orchestration;

/// <summary>Start order (dependencies first) and stop order (dependents first) of a model; cycles are refused.</summary>
internal static class DependencyGraph
{
    /// <summary>Every resource after all of its dependencies, otherwise in declaration order.</summary>
    public static IReadOnlyList<Resource> StartOrder(IReadOnlyList<Resource> resources)
    {
        var ordered = new List<Resource>(resources.Count);
        var visiting = new List<Resource>();
        var done = new HashSet<Resource>();
        foreach (var resource in resources)
        {
            Visit(resource);
        }
        return ordered;

        void Visit(Resource resource)
        {
            if (done.Contains(resource))
            {
                return;
            }
            if (visiting.Contains(resource))
            {
                var cycle = visiting.Skip(visiting.IndexOf(resource)).Append(resource).Select(r => r.Name);
                throw new DistributedApplicationException($"The resources depend on each other in a cycle: {string.Join(" -> ", cycle)}.");
            }
            if (!resources.Contains(resource))
            {
                throw new DistributedApplicationException($"'{resource.Name}' is referenced but was not added to this application.");
            }
            visiting.Add(resource);
            foreach (var dependency in resource.Dependencies)
            {
                Visit(dependency);
            }
            visiting.Remove(resource);
            done.Add(resource);
            ordered.Add(resource);
        }
    }

    public static IReadOnlyList<Resource> StopOrder(IReadOnlyList<Resource> resources) => [.. StartOrder(resources).Reverse()];

    public static IEnumerable<Resource> DependentsOf(Resource resource, IEnumerable<Resource> resources) =>
        resources.Where(r => r.Dependencies.Contains(resource));
}
