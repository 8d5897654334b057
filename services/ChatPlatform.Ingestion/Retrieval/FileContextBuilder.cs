using Microsoft.Extensions.AI;

namespace ChatPlatform.Ingestion.Retrieval;

/// <summary>
/// What a turn's model sees of its files (docs/files.md): files whose text fits the budget whole, page by page; the
/// others by hybrid retrieval with the question until the budget is spent; images as data URLs, or as their OCR text
/// for a model without vision. Passages come in the order the files were given, each file's in document order.
/// </summary>
public sealed class FileContextBuilder(
    ContextFileReader files, HybridRetriever retriever, IEmbeddingGenerator<string, Embedding<float>> embeddings, ContextImages images)
{
    public const string Ready = "ready";

    // How many fused candidates retrieval ranks; at about 400 tokens a chunk this covers budgets up to 80k tokens.
    private const int RetrievalCandidates = 200;

    public async Task<FileContextResult> BuildAsync(
        Guid userId, IReadOnlyList<Guid> fileIds, IReadOnlyList<Guid> earlierFileIds, string query, int maxTokens, bool vision,
        CancellationToken cancellationToken)
    {
        var rows = (await files.ReadFilesAsync(userId, [.. earlierFileIds.Union(fileIds)], cancellationToken)).ToDictionary(f => f.Id);
        // Unknown ids first, in the caller's order, so that the answer never depends on whether another user's file exists.
        foreach (var id in fileIds)
        {
            if (!rows.ContainsKey(id))
            {
                return new FileContextResult.FileNotFound(id);
            }
        }
        if (fileIds.Select(id => rows[id]).FirstOrDefault(f => f.Status != Ready) is { } notReady)
        {
            return new FileContextResult.FileNotReady(notReady.Id, notReady.Name, notReady.Status);
        }
        // An earlier file deleted since (or never the user's) is left out, not an error: the conversation goes on without it.
        var earlier = earlierFileIds.Except(fileIds).ToList();
        var unavailable = earlier.Where(id => rows.GetValueOrDefault(id) is not { Status: Ready }).ToList();
        fileIds = [.. earlier.Except(unavailable), .. fileIds];
        var ordered = fileIds.Select(id => rows[id]).ToList();

        var imageFiles = vision ? ordered.Where(f => f.Kind == "image").ToList() : [];
        var textFiles = ordered.Except(imageFiles).Where(f => f.Tokens > 0).ToList();
        var (whole, large) = Allocate(textFiles, maxTokens);
        var remaining = maxTokens - whole.Sum(f => f.Tokens);
        var retrieving = large.Count > 0 && remaining > 0;
        // The question's embedding (about 8 ms of CPU) is computed while the whole files' chunks and the words are read.
        var question = retrieving && !string.IsNullOrWhiteSpace(query)
            ? Task.Run(() => embeddings.GenerateVectorAsync(query, cancellationToken: cancellationToken), cancellationToken)
            : null;

        // The whole files' chunks and the retrieval from the large ones are read side by side, on two connections.
        var reading = files.ReadChunksAsync(userId, [.. whole.Select(f => f.Id), .. imageFiles.Select(f => f.Id)], cancellationToken);
        var retrieved = retrieving ? RetrieveAsync(userId, large, query, question, remaining, cancellationToken) : Task.FromResult<IReadOnlyList<StoredChunk>>([]);
        await Task.WhenAll(reading, retrieved);
        var chunks = new List<StoredChunk>(await reading);
        var imageText = chunks.Where(c => imageFiles.Any(f => f.Id == c.FileId)).ToLookup(c => c.FileId);
        chunks.RemoveAll(c => imageText.Contains(c.FileId));
        chunks.AddRange(await retrieved);

        var order = fileIds.Select((id, index) => (id, index)).ToDictionary(p => p.id, p => p.index);
        var passages = Passages.From(chunks.OrderBy(c => order[c.FileId]).ThenBy(c => c.Ordinal), id => rows[id].Name);
        var contextImages = new List<ContextImage>();
        foreach (var image in imageFiles)
        {
            var ocr = imageText.Contains(image.Id) ? Passages.Join(imageText[image.Id].OrderBy(c => c.Ordinal)) : null;
            contextImages.Add(await images.ReadAsync(image, ocr, cancellationToken));
        }
        return new FileContextResult.Built(new FileContext(
            [.. ordered.Select(f => new ContextFile(f.Id, f.Name, f.MediaType, f.Kind, f.Status))], passages, contextImages, unavailable));
    }

    /// <summary>
    /// Smallest first, a file goes whole when it fits an equal share of what the files not yet placed may still spend;
    /// the first that does not, and every larger one, share what is left by retrieval. A small file is never cut to make
    /// room for a large one, and a large one never starves the small ones.
    /// </summary>
    internal static (List<ContextFileRow> Whole, List<ContextFileRow> Large) Allocate(IReadOnlyList<ContextFileRow> textFiles, int maxTokens)
    {
        var whole = new List<ContextFileRow>();
        var large = new List<ContextFileRow>();
        var remaining = maxTokens;
        var sorted = textFiles.OrderBy(f => f.Tokens).ToList();
        for (var i = 0; i < sorted.Count; i++)
        {
            var file = sorted[i];
            if (large.Count == 0 && file.Tokens <= remaining / (sorted.Count - i))
            {
                whole.Add(file);
                remaining -= file.Tokens;
            }
            else
            {
                large.Add(file);
            }
        }
        return (whole, large);
    }

    private async Task<IReadOnlyList<StoredChunk>> RetrieveAsync(
        Guid userId, IReadOnlyList<ContextFileRow> large, string query, Task<ReadOnlyMemory<float>>? question, int budget,
        CancellationToken cancellationToken)
    {
        if (question is null)
        {
            // Nothing to rank by: each file's beginning, in equal shares.
            var share = budget / large.Count;
            var leading = new List<StoredChunk>();
            foreach (var file in large)
            {
                leading.AddRange(await files.ReadLeadingChunksAsync(userId, file.Id, share, cancellationToken));
            }
            return leading;
        }

        var found = await retriever.SearchAsync(userId, [.. large.Select(f => f.Id)], query, question, RetrievalCandidates, budget, cancellationToken);
        return [.. found.Select(chunk => new StoredChunk(chunk.FileId, chunk.Ordinal, chunk.Page, chunk.Text, chunk.Tokens))];
    }
}
