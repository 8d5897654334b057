using Microsoft.Extensions.AI;

namespace ChatPlatform.ModelRouter.Routing;

/// <summary>A chat request for a catalog model; <see cref="Options"/> carries sampling settings, never a model id.</summary>
public sealed record RouteRequest(string Model, IReadOnlyList<ChatMessage> Messages, ChatOptions? Options = null);
