using Microsoft.Extensions.AI;

namespace ChatPlatform.ModelRouter.Providers;

/// <summary>
/// One fragment of a streamed tool call, as OpenAI's <c>delta.tool_calls</c> sends it: the first carries the call's id
/// and function name, the next ones pieces of its arguments, under the call's index (which some OpenAI-compatible
/// servers leave out, or send as 0 for every call). <see cref="StreamedToolCalls.Add"/> renumbers it and gives the
/// first an id when the provider sent none, and it goes on to the caller as it came: the answer has started, routing's
/// silence timers see the provider is still writing, and a client can show the arguments as they are written.
/// </summary>
internal sealed class ToolCallDelta(int? index, string? id, string? name, string? arguments) : AIContent
{
    public int? Index { get; } = index;

    public string? Id { get; } = id;

    public string? Name { get; } = name;

    public string? Arguments { get; } = arguments;
}
