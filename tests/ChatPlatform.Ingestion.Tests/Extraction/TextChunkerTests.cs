using System.Globalization;
using ChatPlatform.Ingestion.Extraction;

namespace ChatPlatform.Ingestion.Tests.Extraction;

public sealed class TextChunkerTests
{
    private static ExtractedDocument Pages(params string[] texts) =>
        new(texts.Select((text, i) => new ExtractedPage(i + 1, text, Ocr: false)).ToList());

    private static string Sentence(int n) => string.Create(CultureInfo.InvariantCulture, $"Sentence number {n} says a little about the harbour and its ships.");

    [Fact]
    public void A_short_page_is_one_chunk_with_its_page_and_token_estimate()
    {
        var chunks = new TextChunker().Chunk(Pages("Hello world, this is short."));

        var chunk = Assert.Single(chunks);
        Assert.Equal(new TextChunk(0, 1, "Hello world, this is short.", 7), chunk);
    }

    [Fact]
    public void Chunks_never_span_pages_and_ordinals_run_across_pages()
    {
        var chunks = new TextChunker().Chunk(Pages("Page one text.", "", "Page three text."));

        Assert.Equal([(0, 1, "Page one text."), (1, 3, "Page three text.")], chunks.Select(c => (c.Ordinal, c.Page!.Value, c.Text)));
    }

    [Fact]
    public void Long_text_is_cut_between_paragraphs_into_chunks_of_about_200_tokens()
    {
        // Paragraphs of about 250 characters: a chunk holds three of them (800 characters is 200 tokens).
        var paragraphs = Enumerable.Range(0, 40).Select(p => string.Join(' ', Enumerable.Range(p * 4, 4).Select(Sentence))).ToList();
        var text = string.Join("\n\n", paragraphs);

        var chunks = new TextChunker().Chunk(Pages(text));

        Assert.All(chunks, c => Assert.InRange(c.Text.Length, 1, 800));
        Assert.All(chunks.SkipLast(1), c => Assert.InRange(c.Tokens, 120, 200));
        Assert.Equal(Enumerable.Range(0, chunks.Count), chunks.Select(c => c.Ordinal));
        // Every chunk ends where a paragraph ends.
        Assert.All(chunks, c => Assert.Contains(paragraphs, p => c.Text.EndsWith(p, StringComparison.Ordinal)));
        // Nothing is lost: every paragraph is whole in some chunk.
        Assert.All(paragraphs, p => Assert.Contains(chunks, c => c.Text.Contains(p, StringComparison.Ordinal)));
    }

    [Fact]
    public void Consecutive_chunks_overlap_by_about_30_tokens_starting_at_a_word()
    {
        var text = string.Join(' ', Enumerable.Range(0, 200).Select(Sentence));

        var chunks = new TextChunker().Chunk(Pages(text));

        Assert.True(chunks.Count > 3);
        foreach (var (previous, next) in chunks.Zip(chunks.Skip(1)))
        {
            var overlap = LongestOverlap(previous.Text, next.Text);
            Assert.InRange(overlap, 60, 120);
            Assert.True(next.Text[0] != ' ' && text.Contains(" " + next.Text[..20], StringComparison.Ordinal), next.Text[..20]);
        }
    }

    [Fact]
    public void A_paragraph_longer_than_a_chunk_is_cut_between_sentences()
    {
        var sentences = Enumerable.Range(0, 60).Select(Sentence).ToList();

        var chunks = new TextChunker().Chunk(Pages(string.Join(' ', sentences)));

        Assert.True(chunks.Count > 1);
        Assert.All(chunks, c => Assert.EndsWith("ships.", c.Text, StringComparison.Ordinal));
        Assert.All(chunks, c => Assert.InRange(c.Text.Length, 1, 800));
    }

    [Fact]
    public void A_sentence_longer_than_a_chunk_is_cut_between_words_and_a_word_longer_than_a_chunk_by_characters()
    {
        var words = string.Join(' ', Enumerable.Repeat("word", 1000));
        var blob = new string('x', 5000);

        var chunks = new TextChunker().Chunk(Pages(words, blob));

        Assert.All(chunks.Where(c => c.Page == 1), c => Assert.Matches("^word( word)*$", c.Text));
        Assert.All(chunks, c => Assert.InRange(c.Text.Length, 1, 800));
        Assert.Equal(5000, chunks.Where(c => c.Page == 2).Sum(c => c.Text.Length));
    }

    [Fact]
    public void Characters_outside_the_basic_plane_are_never_cut_in_half()
    {
        var emoji = string.Concat(Enumerable.Repeat("😀", 2000));

        var chunks = new TextChunker().Chunk(Pages(emoji));

        Assert.All(chunks, c => Assert.False(char.IsHighSurrogate(c.Text[^1]) || char.IsLowSurrogate(c.Text[0])));
        Assert.Equal(emoji, string.Concat(chunks.Select(c => c.Text)));
    }

    private static int LongestOverlap(string previous, string next)
    {
        for (var length = Math.Min(previous.Length, next.Length); length > 0; length--)
        {
            if (previous.EndsWith(next[..length], StringComparison.Ordinal))
            {
                return length;
            }
        }
        return 0;
    }
}
