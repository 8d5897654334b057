using System.Text;
using ChatPlatform.Chat.Infrastructure;
using ChatPlatform.Chat.Model;

namespace ChatPlatform.Chat.Services;

/// <summary>
/// What the model is sent: the system prompt, the numbered passages of the conversation's files, then the most recent
/// messages of the path that fit the model's window after room is kept for its answer and the files. The oldest go
/// first; the system prompt, the passages and the newest message always stay. Images ride as content parts on the user
/// message that attached them.
/// </summary>
public static class ContextBuilder
{
    // Each message costs a few tokens of framing (role, separators) beyond its text.
    private const int TokensPerMessage = 4;

    /// <summary>
    /// What an image is counted as: providers bill an image by its size in tiles (OpenAI: 85 plus 170 a 512-pixel tile),
    /// not by its base64 text; a thousand covers a detailed image of a few tiles.
    /// </summary>
    public const int TokensPerImage = 1_000;

    /// <summary>
    /// What a continue turn asks after the answer that stopped at its length limit (sent, never stored): not every provider
    /// extends a trailing assistant message, so the model is asked, as the user, to go on without repeating itself.
    /// </summary>
    public const string ContinueInstruction =
        "Your previous answer was cut off at its length limit. Continue it exactly where it stopped, without repeating anything " +
        "or adding an introduction.";

    /// <summary>A rough count that needs no tokenizer: about four characters a token, rounded up.</summary>
    public static int EstimateTokens(string text) => (text.Length + 3) / 4 + TokensPerMessage;

    public static int EstimateTokens(RouterMessage message) => EstimateTokens(message.Content) + (message.Images?.Count ?? 0) * TokensPerImage;

    /// <summary>The answer's room: the model's maximum output, but never more than half the window.</summary>
    public static int MaxOutputTokens(RouterModel model) => Math.Max(1, Math.Min(model.MaxOutputTokens, model.ContextWindow / 2));

    /// <summary>The most tokens of history any of <paramref name="models"/> is sent: what a context read needs to reach.</summary>
    public static int LargestBudget(IEnumerable<RouterModel> models) => models.Select(Budget).DefaultIfEmpty(0).Max();

    /// <summary>What ingestion may spend on a turn's files: half of what the model is sent, so that the history still fits.</summary>
    public static int FilesBudget(RouterModel model) => Math.Max(1, Budget(model) / 2);

    /// <summary>What the prompt may take of the model's window: all of it but the answer's room.</summary>
    public static int Budget(RouterModel model) => model.ContextWindow - MaxOutputTokens(model);

    public static IReadOnlyList<RouterMessage> Build(
        string? systemPrompt, IReadOnlyList<ContextMessage> path, RouterModel model, TurnFiles? files = null)
    {
        var budget = Budget(model);
        var leading = new List<RouterMessage>(2);
        if (!string.IsNullOrWhiteSpace(systemPrompt))
        {
            leading.Add(new RouterMessage("system", systemPrompt));
        }
        if (files is { Context.Passages.Count: > 0 })
        {
            leading.Add(new RouterMessage("system", SourcesPrompt(files.Context.Passages)));
        }
        budget -= leading.Sum(EstimateTokens);

        // Each image once, on the newest message that attached it.
        var images = files?.Context.Images.GroupBy(i => i.FileId).ToDictionary(g => g.Key, g => g.First().DataUrl) ?? [];
        IReadOnlyList<Guid> FilesOf(ContextMessage message) =>
            message.Id is { } id && files?.FilesByMessage.TryGetValue(id, out var fileIds) == true ? fileIds : [];
        var placed = new HashSet<Guid>();

        // Newest first until the budget is spent; answers that failed with nothing are not part of the conversation.
        var kept = new List<RouterMessage>();
        for (var i = path.Count - 1; i >= 0; i--)
        {
            var message = path[i];
            if (message.Role == MessageRole.System || message.Content.Length == 0)
            {
                continue;
            }
            List<string>? attached = null;
            if (message.Role == MessageRole.User && images.Count > 0)
            {
                foreach (var fileId in FilesOf(message))
                {
                    if (!placed.Contains(fileId) && images.TryGetValue(fileId, out var url))
                    {
                        (attached ??= []).Add(url);
                    }
                }
            }
            var routed = new RouterMessage(message.Role == MessageRole.User ? "user" : "assistant", message.Content, attached);
            var cost = EstimateTokens(routed);
            if (kept.Count > 0 && cost > budget)
            {
                break;
            }
            budget -= cost;
            kept.Add(routed);
            foreach (var fileId in FilesOf(message))
            {
                placed.Add(fileId);
            }
        }
        kept.Reverse();
        return [.. leading, .. kept];
    }

    /// <summary>
    /// The passages as one system message: each source once, numbered as ingestion numbered it, its passages in order,
    /// and the instruction to cite them as <c>[n]</c> (<see cref="CitationFinder"/> reads the answer's markers back).
    /// </summary>
    public static string SourcesPrompt(IReadOnlyList<ContextPassage> passages)
    {
        var text = new StringBuilder(
            "The user attached files; numbered passages from them follow. Answer from them where they help, and cite each " +
            "passage you use by its number in square brackets, like [1], right after what it supports.");
        foreach (var source in passages.GroupBy(p => p.Source))
        {
            var first = source.First();
            text.Append("\n\n[").Append(source.Key).Append("] ").Append(first.FileName);
            if (first.Page is { } page)
            {
                text.Append(", page ").Append(page);
            }
            text.Append(":\n").AppendJoin("\n", source.Select(p => p.Text.Trim()));
        }
        return text.ToString();
    }
}
