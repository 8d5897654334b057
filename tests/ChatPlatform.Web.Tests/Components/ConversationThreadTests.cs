using ChatPlatform.Web.Components.Chat;
using ChatPlatform.Web.Model;

namespace ChatPlatform.Web.Tests.Components;

/// <summary>A long path is drawn from its last window of messages; earlier ones a window at a time.</summary>
public sealed class ConversationThreadTests
{
    private static List<Message> Path(int count)
    {
        var messages = new List<Message>();
        Guid? parent = null;
        for (var i = 0; i < count; i++)
        {
            var id = Guid.NewGuid();
            messages.Add(new Message(id, Guid.Empty, parent, i % 2 == 0 ? MessageRole.User : MessageRole.Assistant, $"m{i}",
                MessageStatus.Complete, null, DateTimeOffset.UnixEpoch, 0, 1));
            parent = id;
        }
        return messages;
    }

    [Fact]
    public void A_long_path_shows_its_last_window_and_earlier_ones_on_request()
    {
        var thread = new ConversationThread();

        thread.Show(Path(120));

        Assert.Equal(70, thread.FirstShown);
        thread.ShowEarlier();
        Assert.Equal(20, thread.FirstShown);
        thread.ShowEarlier();
        Assert.Equal(0, thread.FirstShown);
    }

    [Fact]
    public void A_short_path_shows_whole_and_an_old_message_to_open_at_stays_drawn()
    {
        var thread = new ConversationThread();
        var path = Path(500);

        thread.Show(Path(ConversationThread.Window));
        Assert.Equal(0, thread.FirstShown);
        thread.Show(path, keep: path[10].Id);
        Assert.Equal(10, thread.FirstShown);
    }

    [Fact]
    public void Cutting_the_thread_before_the_window_keeps_the_cut_message_drawn()
    {
        var thread = new ConversationThread();
        thread.Show(Path(120));

        thread.TruncateFrom(thread.Messages[30]);
        thread.Add(thread.Messages[29]);

        Assert.Equal(30, thread.FirstShown);
    }
}
