using ChatPlatform.Chat.Services;

namespace ChatPlatform.Chat.Tests.Services;

public sealed class TurnProgressTests
{
    [Fact]
    public void Text_is_offered_for_saving_only_when_it_grew_since_the_last_successful_save()
    {
        var progress = new TurnProgress();
        Assert.Null(progress.TakeUnsaved());

        progress.NextId();
        progress.Append("Hello");
        var first = progress.TakeUnsaved();
        Assert.Equal(("Hello", 1L), (first!.Text, first.LastEventId));
        // The save failed (never marked): the same text is offered again.
        Assert.Equal("Hello", progress.TakeUnsaved()!.Text);

        progress.MarkSaved(first);
        Assert.Null(progress.TakeUnsaved());

        progress.NextId();
        progress.Append(", world");
        var second = progress.TakeUnsaved()!;
        progress.NextId();
        progress.Append("!");
        // A save of older text does not hide what came after it.
        progress.MarkSaved(second);
        Assert.Equal(("Hello, world!", 3L), (progress.TakeUnsaved()!.Text, progress.TakeUnsaved()!.LastEventId));
    }
}
