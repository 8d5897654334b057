namespace ChatPlatform.ModelRouter.Model;

public enum RoutingStrategy
{
    /// <summary>The lowest priority number first; the next on failure.</summary>
    Priority,

    /// <summary>At random in proportion to the deployments' weights.</summary>
    Weighted,

    /// <summary>The lowest moving average of time to first token.</summary>
    LowestLatency,

    /// <summary>The lowest price for the request's expected tokens.</summary>
    LowestCost,
}
