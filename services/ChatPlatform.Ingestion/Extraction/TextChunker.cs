using System.Text.RegularExpressions;

namespace ChatPlatform.Ingestion.Extraction;

/// <summary>
/// Cuts a document into chunks of about 200 tokens with about 30 tokens of overlap, so a passage cut at a chunk's end is
/// whole in the next; 200 because the embedding model (all-MiniLM-L6-v2) reads only the first 256 word pieces of a text,
/// and a longer chunk's end would be searchable by its words only. Cuts fall between paragraphs where they can, else between sentences, else between words; a chunk
/// never spans two pages, so every quote can cite its page. Tokens are estimated as chat estimates them, 4 characters each.
/// </summary>
public sealed partial class TextChunker
{
    private const int CharsPerToken = 4;

    private readonly int _maxChars;
    private readonly int _overlapChars;

    public TextChunker()
        : this(targetTokens: 200, overlapTokens: 30)
    {
    }

    public TextChunker(int targetTokens, int overlapTokens)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(targetTokens, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(overlapTokens);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(overlapTokens, targetTokens);
        _maxChars = targetTokens * CharsPerToken;
        _overlapChars = overlapTokens * CharsPerToken;
    }

    public static int EstimateTokens(string text) => (text.Length + CharsPerToken - 1) / CharsPerToken;

    public IReadOnlyList<TextChunk> Chunk(ExtractedDocument document)
    {
        var chunks = new List<TextChunk>();
        foreach (var page in document.Pages)
        {
            foreach (var text in ChunkPage(page.Text))
            {
                chunks.Add(new TextChunk(chunks.Count, page.Number, text, EstimateTokens(text)));
            }
        }
        return chunks;
    }

    private IEnumerable<string> ChunkPage(string text)
    {
        var spans = new List<(int Start, int End)>();
        Split(text, 0, text.Length, Boundary.Paragraph, spans);
        var i = 0;
        var start = 0;
        while (i < spans.Count)
        {
            var j = i;
            var end = start;
            while (j < spans.Count && spans[j].End - start <= _maxChars)
            {
                end = spans[j].End;
                j++;
            }
            if (j == i)
            {
                // The overlap left no room for the next piece: start it afresh.
                start = spans[i].Start;
                continue;
            }
            var chunk = text[start..end].Trim();
            if (chunk.Length > 0)
            {
                yield return chunk;
            }
            i = j;
            if (i < spans.Count)
            {
                start = OverlapStart(text, start, end, spans[i].Start);
            }
        }
    }

    // About the last _overlapChars of the chunk, from the start of a word so no chunk opens with half a word.
    private int OverlapStart(string text, int chunkStart, int chunkEnd, int next)
    {
        var from = chunkEnd - _overlapChars;
        if (_overlapChars == 0 || from <= chunkStart)
        {
            return next;
        }
        for (var at = from; at < chunkEnd; at++)
        {
            if (char.IsWhiteSpace(text[at]))
            {
                return at + 1;
            }
        }
        return next;
    }

    private void Split(string text, int start, int end, Boundary boundary, List<(int, int)> spans)
    {
        if (end - start <= _maxChars)
        {
            spans.Add((start, end));
            return;
        }
        if (boundary == Boundary.Character)
        {
            for (var at = start; at < end;)
            {
                var cut = Math.Min(at + _maxChars, end);
                if (cut < end && char.IsLowSurrogate(text[cut]))
                {
                    cut--;
                }
                spans.Add((at, cut));
                at = cut;
            }
            return;
        }
        var pattern = boundary switch
        {
            Boundary.Paragraph => ParagraphBreak(),
            Boundary.Sentence => SentenceEnd(),
            _ => WordBreak(),
        };
        var partStart = start;
        foreach (var match in pattern.EnumerateMatches(text.AsSpan(start, end - start)))
        {
            var cut = start + match.Index + match.Length;
            if (cut > partStart && cut < end)
            {
                Split(text, partStart, cut, boundary + 1, spans);
                partStart = cut;
            }
        }
        Split(text, partStart, end, boundary + 1, spans);
    }

    private enum Boundary
    {
        Paragraph,
        Sentence,
        Word,
        Character,
    }

    [GeneratedRegex(@"\n[ \t]*\n\s*")]
    private static partial Regex ParagraphBreak();

    [GeneratedRegex(@"[.!?…。！？][""'’”)\]]*\s+")]
    private static partial Regex SentenceEnd();

    [GeneratedRegex(@"\s+")]
    private static partial Regex WordBreak();
}
