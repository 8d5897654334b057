using ChatPlatform.Chat.Infrastructure;
using ChatPlatform.Chat.Model;
using ChatPlatform.Chat.Services;

namespace ChatPlatform.Chat.Tests.Services;

/// <summary>The search cursor and the snippets' marks, without a database.</summary>
public sealed class SearchTextTests
{
    [Fact]
    public void A_cursor_round_trips_its_exact_rank_and_id()
    {
        var cursor = new SearchCursor(1.0 / 61 + 1.0 / 63, Guid.CreateVersion7());

        Assert.True(SearchCursor.TryDecode(cursor.Encode(), out var decoded));

        Assert.Equal(cursor, decoded);
        Assert.Equal(BitConverter.DoubleToInt64Bits(cursor.Rank), BitConverter.DoubleToInt64Bits(decoded!.Rank));
    }

    [Theory]
    [InlineData("")]
    [InlineData("../../")]
    [InlineData("AAAA")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAA")] // the 20 bytes of an earlier cursor
    [InlineData("v_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")] // a negative rank
    [InlineData("f_gAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")] // NaN
    public void A_cursor_not_of_this_service_is_refused(string text)
    {
        Assert.False(SearchCursor.TryDecode(text, out var cursor));
        Assert.Null(cursor);
    }

    [Fact]
    public void Marks_become_ranges_of_plain_text_and_less_than_signs_come_back()
    {
        var (text, matches) = SearchStore.Unmark(" \u0001b>\u0002Penguins\u0003\u0001/b> and \u0002penguin\u0003 \u0003stray\u0002");

        Assert.Equal("<b>Penguins</b> and penguin stray", text);
        Assert.Equal(new[] { new SearchMatch(3, 8), new SearchMatch(20, 7) }, matches);
        Assert.All(matches, m => Assert.StartsWith("enguin", text.Substring(m.Start + 1, 6), StringComparison.OrdinalIgnoreCase));
    }
}
