using ChatPlatform.Web.Model;

namespace ChatPlatform.Web.Services;

public sealed record ConversationGroup(string Label, IReadOnlyList<Conversation> Items);

/// <summary>The sidebar's recency groups, by the person's local calendar day: Today, Yesterday, Previous 7 days, Older.</summary>
public static class ConversationGroups
{
    public static IReadOnlyList<ConversationGroup> ByRecency(IEnumerable<Conversation> conversations, DateTimeOffset now, TimeSpan utcOffset)
    {
        var today = now.ToOffset(utcOffset).Date;
        return conversations
            .OrderByDescending(c => c.UpdatedAt)
            .GroupBy(c => (today - c.UpdatedAt.ToOffset(utcOffset).Date).Days switch
            {
                <= 0 => 0,
                1 => 1,
                <= 7 => 2,
                _ => 3,
            })
            .OrderBy(g => g.Key)
            .Select(g => new ConversationGroup(Labels[g.Key], [.. g]))
            .ToList();
    }

    private static readonly string[] Labels = ["Today", "Yesterday", "Previous 7 days", "Older"];
}
