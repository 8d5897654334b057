using ChatPlatform.Chat.Infrastructure;
using ChatPlatform.Chat.Model;
using ChatPlatform.Chat.Services;

namespace ChatPlatform.Chat.Tests.Services;

public sealed class ContextBuilderTests
{
    [Fact]
    public void The_newest_messages_that_fit_are_kept_after_the_system_prompt()
    {
        // 100 tokens of window, 50 kept for the answer: 50 for the prompt; each 40-character message costs 10 + 4.
        var model = new RouterModel("m", 100, 50);
        var path = Enumerable.Range(1, 7).Select(i => Message(i % 2 == 1 ? MessageRole.User : MessageRole.Assistant, $"{i}" + new string('x', 39))).ToList();

        var context = ContextBuilder.Build("Be kind.", path, model);

        // System: 2 + 4 = 6 tokens; 44 left: three messages of 14.
        Assert.Equal(["system", "user", "assistant", "user"], context.Select(m => m.Role));
        Assert.Equal("Be kind.", context[0].Content);
        Assert.Equal(["5", "6", "7"], context.Skip(1).Select(m => m.Content[..1]));
    }

    [Fact]
    public void The_question_is_sent_even_when_it_alone_is_over_the_window_and_empty_failed_answers_are_left_out()
    {
        var model = new RouterModel("m", 100, 50);
        var path = new List<ContextMessage>
        {
            Message(MessageRole.User, "short"),
            Message(MessageRole.Assistant, ""),
            Message(MessageRole.User, new string('y', 1_000)),
        };

        var context = ContextBuilder.Build(null, path, model);

        Assert.Equal(new string('y', 1_000), Assert.Single(context).Content);
    }

    [Fact]
    public void The_answers_room_is_the_models_maximum_output_but_at_most_half_the_window()
    {
        Assert.Equal(4_096, ContextBuilder.MaxOutputTokens(new RouterModel("m", 32_768, 4_096)));
        Assert.Equal(150, ContextBuilder.MaxOutputTokens(new RouterModel("m", 300, 1_000)));
    }

    private static ContextMessage Message(MessageRole role, string content) => new(role, content);
}
