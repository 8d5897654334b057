namespace ChatPlatform.Ingestion.Retrieval;

/// <summary>Chunks in document order made into passages: one per run of neighbouring chunks of a page, numbered by page.</summary>
internal static class Passages
{
    // The chunker overlaps neighbours (about 50 tokens, cut at a boundary) so a sentence cut at one chunk's end is whole
    // in the next; joined text drops the repeat. Shorter matches than this are treated as coincidence, not overlap.
    private const int MinOverlap = 16;
    private const int MaxOverlap = 2_000;

    public static IReadOnlyList<ContextPassage> From(IEnumerable<StoredChunk> chunks, Func<Guid, string> fileName)
    {
        var passages = new List<ContextPassage>();
        var sources = new Dictionary<(Guid, int?), int>();
        var run = new List<StoredChunk>();
        void Flush()
        {
            if (run.Count == 0)
            {
                return;
            }
            var key = (run[0].FileId, run[0].Page);
            if (!sources.TryGetValue(key, out var source))
            {
                source = sources.Count + 1;
                sources.Add(key, source);
            }
            passages.Add(new ContextPassage(source, run[0].FileId, fileName(run[0].FileId), run[0].Page, Join(run)));
            run.Clear();
        }
        foreach (var chunk in chunks)
        {
            if (run.Count > 0 && (run[^1].FileId != chunk.FileId || run[^1].Page != chunk.Page || run[^1].Ordinal + 1 != chunk.Ordinal))
            {
                Flush();
            }
            run.Add(chunk);
        }
        Flush();
        return passages;
    }

    /// <summary>Neighbouring chunks' text as one, without the text each repeats of the one before.</summary>
    public static string Join(IEnumerable<StoredChunk> chunks)
    {
        string? text = null;
        foreach (var chunk in chunks)
        {
            text = text is null ? chunk.Text : Append(text, chunk.Text);
        }
        return text ?? "";
    }

    internal static string Append(string text, string next)
    {
        for (var length = Math.Min(MaxOverlap, Math.Min(text.Length, next.Length)); length >= MinOverlap; length--)
        {
            if (text.AsSpan().EndsWith(next.AsSpan(0, length), StringComparison.Ordinal))
            {
                return string.Concat(text, next.AsSpan(length));
            }
        }
        return string.Concat(text, "\n", next);
    }
}
