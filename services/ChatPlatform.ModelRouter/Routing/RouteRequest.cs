using Microsoft.Extensions.AI;

namespace ChatPlatform.ModelRouter.Routing;

/// <summary>
/// A chat request for a catalog model; <see cref="Options"/> carries sampling settings, never a model id. A request
/// that is not <see cref="Streamed"/> is sent to the provider whole and answered whole: nothing reaches the caller
/// before the answer is complete, so a failure at any point before it fails over.
/// </summary>
public sealed record RouteRequest(string Model, IReadOnlyList<ChatMessage> Messages, ChatOptions? Options = null, bool Streamed = true);
