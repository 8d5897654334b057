using System.Globalization;
using System.Text.RegularExpressions;
using ChatPlatform.Chat.Infrastructure;
using ChatPlatform.Chat.Model;

namespace ChatPlatform.Chat.Services;

/// <summary>The citations of an answer: the <c>[n]</c> markers (or <c>[1, 2]</c>) it used that name a source it was sent.</summary>
public static partial class CitationFinder
{
    /// <summary>Each source number with what a citation of it names; the passages' text is not kept while the answer streams.</summary>
    public static IReadOnlyDictionary<int, Citation> Sources(FileContext? files)
    {
        var sources = new Dictionary<int, Citation>();
        foreach (var passage in files?.Passages ?? [])
        {
            sources.TryAdd(passage.Source, new Citation(passage.Source, passage.FileId, passage.FileName, passage.Page));
        }
        return sources;
    }

    /// <summary>The sources <paramref name="answer"/> cites, each once, in the order it first cites them; markers of no source are ignored.</summary>
    public static IReadOnlyList<Citation> Find(string answer, IReadOnlyDictionary<int, Citation> sources)
    {
        if (sources.Count == 0)
        {
            return [];
        }
        var cited = new List<Citation>();
        foreach (Match marker in Markers().Matches(answer))
        {
            foreach (var number in marker.Groups[1].Value.Split(','))
            {
                if (int.TryParse(number.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var n)
                    && sources.TryGetValue(n, out var citation) && !cited.Contains(citation))
                {
                    cited.Add(citation);
                }
            }
        }
        return cited;
    }

    [GeneratedRegex(@"\[(\d{1,4}(?:\s*,\s*\d{1,4})*)\]", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex Markers();
}
