namespace ChatPlatform.ModelRouter.Providers.Simulator;

/// <summary>
/// A readable, deterministic answer: <c>[simulated]</c>, then words drawn from a fixed vocabulary by a generator
/// seeded from the question. Tokens are computed on demand from shared strings, so a stream allocates nothing per
/// token but its update.
/// </summary>
internal readonly struct SimulatedAnswer
{
    private static readonly string[] Words =
    [
        " the", " model", " router", " streams", " each", " token", " to", " you", " while", " it", " checks", " health",
        " and", " fails", " over", " when", " a", " provider", " is", " slow", " this", " answer", " was", " simulated",
        " offline", " for", " testing", " so", " its", " words", " carry", " no", " meaning", " but", " they", " read",
        " like", " text", " with", " steady", " pace", " latency", " budget", " cost", " quota", " request", " reply",
    ];

    private static readonly string[] WordsEndingSentence = [.. Words.Select(word => word + ".")];

    private readonly ulong _seed;

    public SimulatedAnswer(string question, int length)
    {
        _seed = Fnv1a(question);
        Length = Math.Max(1, length);
    }

    public int Length { get; }

    /// <summary>Token 0 is the <c>[simulated]</c> marker; every later one is a word with its leading space.</summary>
    public string Token(int index)
    {
        if (index == 0)
        {
            return SimulatorChatClient.AnswerPrefix;
        }

        var mixed = SplitMix64(_seed + (ulong)index);
        var word = (int)(mixed % (ulong)Words.Length);
        var endsSentence = index == Length - 1 || (mixed >> 32) % 11 == 0;
        return endsSentence ? WordsEndingSentence[word] : Words[word];
    }

    // string.GetHashCode is randomised per process; the answer must be the same in every process.
    private static ulong Fnv1a(string text)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        return hash;
    }

    private static ulong SplitMix64(ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }
}
