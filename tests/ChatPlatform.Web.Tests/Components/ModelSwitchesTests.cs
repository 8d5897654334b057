using ChatPlatform.Web.Components.Chat;
using ChatPlatform.Web.Model;

namespace ChatPlatform.Web.Tests.Components;

public sealed class ModelSwitchesTests
{
    private static MessageState Question() => MessageState.PendingUser("Q", null, 0, 1);

    private static MessageState Answer(string? model)
    {
        var answer = MessageState.PendingAnswer(null, 0, 1);
        if (model is not null)
        {
            answer.Apply(new Message(Guid.NewGuid(), Guid.NewGuid(), null, MessageRole.Assistant, "A", MessageStatus.Complete, model, DateTimeOffset.UnixEpoch, 0));
        }
        return answer;
    }

    [Fact]
    public void An_answer_by_another_model_than_the_one_before_it_is_marked_and_no_other()
    {
        MessageState[] thread = [Question(), Answer("sim-fast"), Question(), Answer("sim-fast"), Question(), Answer("sim-smart")];

        var switches = Enumerable.Range(0, thread.Length).Select(i => ModelSwitches.Before(thread, i, "sim-smart")).ToList();

        Assert.Equal([null, null, null, null, null, "sim-smart"], switches);
    }

    [Fact]
    public void An_answer_still_waiting_for_its_model_counts_as_the_conversations()
    {
        MessageState[] thread = [Question(), Answer("sim-fast"), Question(), Answer(null)];

        Assert.Equal("sim-smart", ModelSwitches.Before(thread, 3, "sim-smart"));
        Assert.Null(ModelSwitches.Before(thread, 3, "sim-fast"));
        // The answer being written says so before it; nothing is repeated at the end.
        Assert.Null(ModelSwitches.AtEnd(thread, "sim-smart"));
    }

    [Fact]
    public void A_model_picked_after_the_last_answer_is_announced_at_the_end()
    {
        MessageState[] thread = [Question(), Answer("sim-fast")];

        Assert.Equal("sim-smart", ModelSwitches.AtEnd(thread, "sim-smart"));
        Assert.Null(ModelSwitches.AtEnd(thread, "sim-fast"));
        Assert.Null(ModelSwitches.AtEnd([], "sim-smart"));
        Assert.Null(ModelSwitches.AtEnd([Question()], "sim-smart"));
    }
}
