using System.Text.RegularExpressions;

namespace ChatPlatform.ModelRouter.Providers.Simulator;

/// <summary>
/// The simulator's answer in realistic Markdown, chosen from the question so that a newcomer without provider keys sees
/// every rendering feature: a diagram or flowchart gets a mermaid block, a table a table, math inline and display
/// formulas, code a fenced block in the language asked (Python unless one is named), anything else prose with a
/// heading and a list. It is deterministic and streams as exactly the deployment's answer length in tokens: the
/// <c>[simulated]</c> marker, then the text's words (grouped when they outnumber the tokens, followed by words from
/// <see cref="SimulatedAnswer"/> when they fall short), so pace, usage and failure injection keep their meaning.
/// </summary>
internal static partial class ShowcaseAnswer
{
    public enum Kind { Prose, Code, Table, Math, Diagram }

    public static string[] Tokens(string question, int length)
    {
        var words = Words(Markdown(question));
        var count = Math.Max(1, length);
        var tokens = new string[count];
        tokens[0] = SimulatorChatClient.AnswerPrefix;
        var slots = count - 1;
        if (words.Count >= slots)
        {
            // Spread the words evenly over the tokens.
            for (var i = 0; i < slots; i++)
            {
                var from = (int)((long)words.Count * i / slots);
                var to = (int)((long)words.Count * (i + 1) / slots);
                tokens[i + 1] = string.Concat(words.Skip(from).Take(to - from));
            }
            return tokens;
        }
        words.CopyTo(tokens, 1);
        // Too few words for the tokens asked: a closing paragraph of the plain simulated words fills the rest.
        var filler = new SimulatedAnswer(question, slots - words.Count + 1);
        for (var i = words.Count + 1; i < count; i++)
        {
            var token = filler.Token(i - words.Count);
            tokens[i] = i == words.Count + 1 ? "\n\n" + char.ToUpperInvariant(token[1]) + token[2..] : token;
        }
        return tokens;
    }

    public static Kind KindOf(string question)
    {
        var asked = question.ToLowerInvariant();
        return DiagramWords().IsMatch(asked) ? Kind.Diagram
            : TableWords().IsMatch(asked) ? Kind.Table
            : MathWords().IsMatch(asked) ? Kind.Math
            : CodeWords().IsMatch(asked) || LanguageNamedClearly().IsMatch(asked) ? Kind.Code
            : Kind.Prose;
    }

    /// <summary>The whole answer after the marker: a sentence on the marker's line, then a heading and the body.</summary>
    public static string Markdown(string question)
    {
        var kind = KindOf(question);
        var intro = kind switch
        {
            Kind.Code => " Sure, here is an example.",
            Kind.Table => " Here is a comparison.",
            Kind.Math => " Here is the math.",
            Kind.Diagram => " Here is a diagram.",
            _ => " Here is a short overview.",
        };
        return intro + Body(kind, Topic(question), Fnv1a(question), question);
    }

    private static string Body(Kind kind, string topic, ulong seed, string question)
    {
        return kind switch
        {
            Kind.Diagram => $$"""


                ## {{topic}}

                Here is the flow as a diagram:

                ```mermaid
                flowchart TD
                    A[Question] --> B{Gateway}
                    B -->|allowed| C[Chat service]
                    B -->|over quota| X[Refused]
                    C --> D[Model router]
                    D --> E[(Answer)]
                ```

                Each box is a step; the arrows show where the request goes next.
                """,
            Kind.Table => $"""


                ## {topic}

                | Model | Speed | Price per 1M tokens | Best for |
                | --- | ---: | ---: | --- |
                | sim-fast | 200 tokens/s | $0.10 | quick drafts |
                | sim-smart | 40 tokens/s | $2.50 | careful answers |
                | sim-vision | 60 tokens/s | $1.20 | images and files |

                The figures are illustrative: this answer was simulated offline.
                """,
            Kind.Math => $$$"""


                ## {{{topic}}}

                The roots of $ax^2 + bx + c = 0$ are given by the quadratic formula:

                $$
                x = \frac{-b \pm \sqrt{b^2 - 4ac}}{2a}
                $$

                and the Gaussian integral is $\int_{-\infty}^{\infty} e^{-x^2}\,dx = \sqrt{\pi}$.
                """,
            Kind.Code => SimulatedCode.Answer(topic, SimulatedCode.LanguageAsked(question.ToLowerInvariant()) ?? "python"),
            _ => Prose(topic, seed),
        };
    }

    private static readonly string[] Points =
    [
        "**First**, the gateway checks who is asking and how much they may use.",
        "**Then** the router picks a healthy deployment for the model.",
        "**Next**, tokens stream back as soon as the provider sends them.",
        "**Meanwhile** every turn is saved, so a reload resumes where it was.",
        "**Finally** usage is priced, and quotas and costs stay accurate.",
        "**Also**, a slow or failing provider is skipped for the next one.",
    ];

    private static string Prose(string topic, ulong seed)
    {
        var start = (int)(seed % (ulong)Points.Length);
        var points = string.Join('\n', Enumerable.Range(0, 3).Select(i => "- " + Points[(start + (i * 2)) % Points.Length]));
        return $"""


            ## {topic}

            Here is a short overview, in three steps:

            {points}

            This answer was simulated offline; connect a provider to get a real one.
            """;
    }

    /// <summary>The question as a heading: its first line, without the closing punctuation, at most 60 characters.</summary>
    private static string Topic(string question)
    {
        var line = question.Trim().Split('\n', 2)[0].Trim().TrimEnd('?', '.', '!', ':');
        line = MarkdownMarks().Replace(line, "");
        if (line.Length > 60)
        {
            line = line[..60].TrimEnd() + "…";
        }
        return line.Length == 0 ? "An overview" : char.ToUpperInvariant(line[0]) + line[1..];
    }

    /// <summary>The text as its words, each with the whitespace before it, so that they join back into the same text.</summary>
    private static List<string> Words(string text) => [.. WordWithSpace().Matches(text).Select(m => m.Value)];

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

    [GeneratedRegex(@"\s*\S+", RegexOptions.CultureInvariant)]
    private static partial Regex WordWithSpace();

    // A heading made of the question must not open a code span, a link or a formula of its own (raw HTML is shown as
    // text by the web's renderer, so angle brackets may stay).
    [GeneratedRegex(@"[`$\[\]*_#|\\]", RegexOptions.CultureInvariant)]
    private static partial Regex MarkdownMarks();

    [GeneratedRegex(@"\b(diagram|flowchart|flow chart|mermaid|sequence chart)\b", RegexOptions.CultureInvariant)]
    private static partial Regex DiagramWords();

    [GeneratedRegex(@"\b(table|tabular|compare|comparison)\b", RegexOptions.CultureInvariant)]
    private static partial Regex TableWords();

    [GeneratedRegex(@"\b(math|maths|formula|formulas|equation|equations|integral|derivative|latex|theorem|algebra|calculus)\b", RegexOptions.CultureInvariant)]
    private static partial Regex MathWords();

    // Languages whose names are not also everyday words ("go", "rust", "shell") ask for code on their own.
    [GeneratedRegex(@"(?<![\w.#])(python|c#|csharp|javascript|typescript|sql)(?![\w#])", RegexOptions.CultureInvariant)]
    private static partial Regex LanguageNamedClearly();

    [GeneratedRegex(@"\b(code|function|script|program|snippet|implement|implementation|query|example in)\b", RegexOptions.CultureInvariant)]
    private static partial Regex CodeWords();
}
