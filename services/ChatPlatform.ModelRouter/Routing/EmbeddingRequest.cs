namespace ChatPlatform.ModelRouter.Routing;

/// <summary>Texts to embed with a catalog model; <see cref="Dimensions"/> asks for shorter vectors than the model's own.</summary>
public sealed record EmbeddingRequest(string Model, IReadOnlyList<string> Inputs, int? Dimensions = null);

/// <summary>One vector per input, in input order, and what the request used and cost.</summary>
public sealed record EmbeddingResult(string Model, IReadOnlyList<ReadOnlyMemory<float>> Vectors, RouteUsage Usage);
