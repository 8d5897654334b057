using ChatPlatform.Ingestion.Retrieval;

namespace ChatPlatform.Ingestion.Tests.Retrieval;

public sealed class PassagesTests
{
    private static readonly Guid First = Guid.Parse("0193a3c0-0000-7000-8000-000000000001");
    private static readonly Guid Second = Guid.Parse("0193a3c0-0000-7000-8000-000000000002");

    [Fact]
    public void Neighbouring_chunks_of_a_page_join_without_their_overlap_and_pages_get_their_own_source()
    {
        var passages = Passages.From(
        [
            new StoredChunk(First, 0, 1, "One two three four five six seven.", 9),
            new StoredChunk(First, 1, 1, "four five six seven. Eight nine ten.", 9),
            new StoredChunk(First, 3, 1, "Twelve.", 2),
            new StoredChunk(First, 4, 2, "Page two.", 2),
            new StoredChunk(Second, 0, 1, "Other file.", 3),
        ], id => id == First ? "first.pdf" : "second.pdf");

        Assert.Equal(
        [
            new ContextPassage(1, First, "first.pdf", 1, "One two three four five six seven. Eight nine ten."),
            // Chunk 2 was not retrieved: 3 is not a neighbour of 1, so it is its own passage, of the same page and source.
            new ContextPassage(1, First, "first.pdf", 1, "Twelve."),
            new ContextPassage(2, First, "first.pdf", 2, "Page two."),
            new ContextPassage(3, Second, "second.pdf", 1, "Other file."),
        ], passages);
    }

    [Fact]
    public void Chunks_that_share_too_little_are_joined_by_a_line_break()
    {
        Assert.Equal("Ends with the.\nthe start", Passages.Append("Ends with the.", "the start"));
    }

    [Fact]
    public void Small_files_go_whole_smallest_first_within_an_equal_share_and_the_rest_are_retrieved()
    {
        ContextFileRow File(string name, int tokens) => new(Guid.NewGuid(), name, "text/plain", "text", "ready", "files/x", 1, null, null, tokens);
        var (tiny, medium, huge) = (File("tiny", 100), File("medium", 2_500), File("huge", 50_000));

        var (whole, large) = FileContextBuilder.Allocate([huge, medium, tiny], 6_000);

        // tiny fits a third of 6,000; medium fits half of the 5,900 left; huge gets the 3,400 that remain, by retrieval.
        Assert.Equal([tiny, medium], whole);
        Assert.Equal([huge], large);
    }

    [Fact]
    public void Files_that_together_exceed_the_budget_are_all_retrieved_when_none_fits_its_share()
    {
        ContextFileRow File(int tokens) => new(Guid.NewGuid(), "f", "text/plain", "text", "ready", "files/x", 1, null, null, tokens);

        var (whole, large) = FileContextBuilder.Allocate([File(4_000), File(4_000)], 6_000);

        Assert.Empty(whole);
        Assert.Equal(2, large.Count);
    }
}
