namespace ChatPlatform.AppHost.Tests.Hosting;

public sealed class ResourceLogTests
{
    [Fact]
    public void Only_the_newest_lines_are_kept_once_the_buffer_is_full()
    {
        var log = new ResourceLog(capacity: 3);
        foreach (var line in new[] { "one", "two", "three", "four", "five" })
        {
            log.Add(line, isError: false);
        }

        Assert.Equal(["three", "four", "five"], log.Read().Select(l => l.Text));
        Assert.Equal(["five"], log.Read(tail: 1).Select(l => l.Text));
    }

    [Fact]
    public void A_reader_can_ask_only_for_lines_newer_than_the_last_it_saw()
    {
        var log = new ResourceLog();
        log.Add("first", isError: false);
        var seen = log.Read().Last().Sequence;
        log.Add("second", isError: true);

        var newer = Assert.Single(log.Read(afterSequence: seen));

        Assert.Equal("second", newer.Text);
        Assert.True(newer.IsError);
    }
}
