using ChatPlatform.Web.Components.Chat;
using ChatPlatform.Web.Model;

namespace ChatPlatform.Web.Tests.Components;

public sealed class ContextUseTests
{
    private static ModelInfo Model(int window, int? maxOutput = null) => new("m", "M", window, null, true, maxOutput);

    [Fact]
    public void The_history_is_counted_as_chat_counts_it_against_the_window_less_the_answers_room()
    {
        // 40 characters: 10 tokens and 4 for the message; a 12-character system prompt: 3 and 4.
        MessageState[] thread = [MessageState.PendingUser(new string('a', 40), null, 0, 1)];

        var use = ContextUse.Of(thread, "Be concise!!", Model(1_000, maxOutput: 200))!;

        Assert.Equal(14 + 7, use.Tokens);
        Assert.Equal(800, use.Budget);
        Assert.Equal(3, use.Percent);
        Assert.False(use.Full);
    }

    [Fact]
    public void Without_an_output_limit_half_the_window_is_kept_for_the_answer_and_past_the_rest_it_is_full()
    {
        MessageState[] thread = [MessageState.PendingUser(new string('a', 400), null, 0, 1)];

        var use = ContextUse.Of(thread, null, Model(200))!;

        Assert.Equal(100, use.Budget);
        Assert.Equal(104, use.Tokens);
        Assert.True(use.Full);
        Assert.Equal(100, use.Percent);
    }

    [Fact]
    public void Nothing_is_measured_before_the_first_message_or_without_a_model()
    {
        Assert.Null(ContextUse.Of([], null, Model(1_000)));
        Assert.Null(ContextUse.Of([MessageState.PendingUser("Hi", null, 0, 1)], null, null));
    }
}
