using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;

namespace ChatPlatform.ModelRouter.Providers.Simulator;

/// <summary>
/// The simulator's answer to what it was shown, so that files and images can be tested end to end offline: each image it
/// received (format, byte size and pixel size from the header), and, when a system message carries numbered sources
/// (<c>[1] report.pdf, page 7:</c> then the passage, as chat sends them), the first source's first sentence, quoted and
/// cited as <c>[1]</c> (and <c>[2]</c> when there is one). Null when the request has neither.
/// </summary>
internal static partial class SimulatedGrounding
{
    private const int MaxQuoteLength = 200;

    public static string? Answer(IReadOnlyList<ChatMessage> messages)
    {
        var parts = new List<string>();
        var images = messages.SelectMany(m => m.Contents).Where(IsImage).ToList();
        if (images.Count > 0)
        {
            parts.Add(images.Count == 1 ? "I received 1 image." : $"I received {images.Count} images.");
            for (var i = 0; i < images.Count; i++)
            {
                parts.Add($"Image {i + 1}: {Describe(images[i])}.");
            }
        }
        var sources = messages.Where(m => m.Role == ChatRole.System).SelectMany(m => Sources().Matches(m.Text)).ToList();
        if (sources.Count > 0)
        {
            var first = sources[0];
            parts.Add($"According to {first.Groups["name"].Value}: \"{FirstSentence(first.Groups["text"].Value)}\" [{first.Groups["n"].Value}]");
            if (sources.Skip(1).FirstOrDefault(s => s.Groups["n"].Value == "2") is not null)
            {
                parts.Add("See also [2].");
            }
        }
        return parts.Count == 0 ? null : $"{SimulatorChatClient.AnswerPrefix} {string.Join(' ', parts)}";
    }

    /// <summary>The answer as streamed tokens: the marker, then each word with its leading space.</summary>
    public static string[] Tokens(string answer)
    {
        var words = answer.Split(' ');
        return [words[0], .. words.Skip(1).Select(w => " " + w)];
    }

    private static bool IsImage(AIContent content) => content switch
    {
        DataContent data => data.HasTopLevelMediaType("image"),
        UriContent uri => uri.HasTopLevelMediaType("image"),
        _ => false,
    };

    private static string Describe(AIContent image)
    {
        if (image is not DataContent data)
        {
            // A URL is not fetched: the simulator makes no requests.
            return $"{((UriContent)image).MediaType} at a URL, not fetched";
        }
        var bytes = data.Data.Length.ToString("N0", CultureInfo.InvariantCulture);
        return ImageHeader.Read(data.Data.Span) is { } header
            ? $"{header.Format}, {bytes} bytes, {header.Width}x{header.Height} pixels"
            : $"{data.MediaType}, {bytes} bytes, a header it could not read";
    }

    private static string FirstSentence(string text)
    {
        var flat = new StringBuilder(text.Length);
        foreach (var c in text.Trim())
        {
            flat.Append(char.IsWhiteSpace(c) ? ' ' : c);
        }
        var line = flat.ToString();
        var end = SentenceEnd().Match(line);
        var sentence = end.Success ? line[..(end.Index + 1)] : line;
        return sentence.Length > MaxQuoteLength ? sentence[..MaxQuoteLength] + "…" : sentence;
    }

    // "[n] name, page 7:" on its own line, then the passage up to the next source or the end.
    [GeneratedRegex(@"^\[(?<n>\d+)\] (?<name>[^\n]*?)(?:, page \d+)?:\n(?<text>.*?)(?=\n\n\[\d+\] |\z)",
        RegexOptions.Multiline | RegexOptions.Singleline | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex Sources();

    [GeneratedRegex(@"[.!?](?=\s|$)", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex SentenceEnd();
}
