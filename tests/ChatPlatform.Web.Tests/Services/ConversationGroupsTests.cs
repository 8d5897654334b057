using ChatPlatform.Web.Model;
using ChatPlatform.Web.Services;

namespace ChatPlatform.Web.Tests.Services;

public sealed class ConversationGroupsTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 10, 9, 0, 0, TimeSpan.Zero);

    private static Conversation At(string title, DateTimeOffset updatedAt) => new(Guid.NewGuid(), title, "sim-fast", null, null, updatedAt, updatedAt);

    [Fact]
    public void Conversations_are_grouped_today_yesterday_previous_seven_days_and_older_newest_first()
    {
        var conversations = new[]
        {
            At("older", Now.AddDays(-30)),
            At("today-early", Now.AddHours(-8)),
            At("yesterday", Now.AddDays(-1)),
            At("week", Now.AddDays(-7)),
            At("today-late", Now.AddMinutes(-5)),
            At("eight-days", Now.AddDays(-8)),
        };

        var groups = ConversationGroups.ByRecency(conversations, Now, TimeSpan.Zero);

        Assert.Equal(["Today", "Yesterday", "Previous 7 days", "Older"], groups.Select(g => g.Label));
        Assert.Equal(["today-late", "today-early"], groups[0].Items.Select(c => c.Title));
        Assert.Equal(["yesterday"], groups[1].Items.Select(c => c.Title));
        Assert.Equal(["week"], groups[2].Items.Select(c => c.Title));
        Assert.Equal(["eight-days", "older"], groups[3].Items.Select(c => c.Title));
    }

    [Fact]
    public void Days_follow_the_persons_time_zone()
    {
        // 23:30 UTC on the 9th is already the 10th in UTC+2, like "now" (11:00 there).
        var conversation = At("late", new DateTimeOffset(2026, 3, 9, 23, 30, 0, TimeSpan.Zero));

        Assert.Equal("Yesterday", Assert.Single(ConversationGroups.ByRecency([conversation], Now, TimeSpan.Zero)).Label);
        Assert.Equal("Today", Assert.Single(ConversationGroups.ByRecency([conversation], Now, TimeSpan.FromHours(2))).Label);
    }

    [Fact]
    public void No_conversations_make_no_groups() => Assert.Empty(ConversationGroups.ByRecency([], Now, TimeSpan.Zero));
}
