using System.Text.Json;
using Microsoft.Extensions.AI;

namespace ChatPlatform.ModelRouter.OpenAI;

/// <summary>
/// A function whose caller set OpenAI's <c>strict</c> (the provider holds the model's arguments to the schema exactly).
/// Written as such to OpenAI-compatible deployments; Anthropic has no such switch, so its adapter sees the plain function.
/// </summary>
public sealed class StrictFunctionDeclaration(AIFunctionDeclaration function, bool strict) : AIFunctionDeclaration
{
    public bool Strict { get; } = strict;

    public override string Name => function.Name;

    public override string Description => function.Description;

    public override JsonElement JsonSchema => function.JsonSchema;

    public override JsonElement? ReturnJsonSchema => function.ReturnJsonSchema;
}
