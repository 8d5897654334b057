using System.Globalization;
using System.Text;
using ChatPlatform.Chat.Model;

namespace ChatPlatform.Chat.Services;

/// <summary>
/// One branch of a conversation as Markdown: a heading per message naming who spoke (and the model that answered),
/// the text as written (it is Markdown already), the files a message attached and the sources an answer cited.
/// </summary>
public static class ConversationMarkdown
{
    public static string Write(Conversation conversation, IReadOnlyList<PathMessage> path)
    {
        var text = new StringBuilder();
        text.Append("# ").AppendLine(OneLine(conversation.Title) is { Length: > 0 } title ? title : "Conversation").AppendLine();
        text.Append("- Model: ").AppendLine(conversation.Model);
        text.Append("- Created: ").AppendLine(Time(conversation.CreatedAt));
        if (conversation.Tags.Count > 0)
        {
            text.Append("- Tags: ").AppendLine(string.Join(", ", conversation.Tags));
        }
        text.AppendLine();
        if (!string.IsNullOrWhiteSpace(conversation.SystemPrompt))
        {
            text.AppendLine("## System prompt").AppendLine().AppendLine(conversation.SystemPrompt.TrimEnd()).AppendLine();
        }
        foreach (var message in path)
        {
            var who = message.Role switch
            {
                MessageRole.User => "User",
                MessageRole.Assistant => message.Model is { Length: > 0 } model ? $"Assistant ({model})" : "Assistant",
                _ => "System",
            };
            text.Append("## ").Append(who).Append(" · ").AppendLine(Time(message.CreatedAt)).AppendLine();
            if (message.Status is not (MessageStatus.Complete or MessageStatus.Streaming))
            {
                text.Append("_(").Append(message.Status.ToString().ToLowerInvariant()).AppendLine(")_").AppendLine();
            }
            text.AppendLine(message.Content.TrimEnd()).AppendLine();
            if (message.Attachments.Count > 0)
            {
                text.Append("Attached: ").AppendLine(string.Join(", ", message.Attachments.Select(a => OneLine(a.Name)))).AppendLine();
            }
            if (message.Citations.Count > 0)
            {
                text.AppendLine("Sources:");
                foreach (var citation in message.Citations)
                {
                    text.Append(CultureInfo.InvariantCulture, $"- [{citation.Source}] {OneLine(citation.FileName)}");
                    text.AppendLine(citation.Page is { } page ? string.Create(CultureInfo.InvariantCulture, $", page {page}") : "");
                }
                text.AppendLine();
            }
        }
        return text.ToString();
    }

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    // A title or file name is one line: a line break in one would start a heading or a list of its own.
    private static string OneLine(string? text) =>
        string.Join(' ', (text ?? "").Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
