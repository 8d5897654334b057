using System.Text.RegularExpressions;

namespace ChatPlatform.ModelRouter.Providers.Simulator;

/// <summary>The simulator's code answers: a short, runnable example in the language the question names.</summary>
internal static partial class SimulatedCode
{
    private static readonly Dictionary<string, (string Fence, string Name, string Code)> Samples = new()
    {
        ["python"] = ("python", "Python", """
            def fibonacci(n: int) -> list[int]:
                numbers = [0, 1]
                while len(numbers) < n:
                    numbers.append(numbers[-1] + numbers[-2])
                return numbers[:n]


            print(fibonacci(10))
            """),
        ["csharp"] = ("csharp", "C#", """
            static IEnumerable<long> Fibonacci(int count)
            {
                long a = 0, b = 1;
                for (var i = 0; i < count; i++)
                {
                    yield return a;
                    (a, b) = (b, a + b);
                }
            }

            Console.WriteLine(string.Join(", ", Fibonacci(10)));
            """),
        ["javascript"] = ("javascript", "JavaScript", """
            function fibonacci(n) {
              const numbers = [0, 1];
              while (numbers.length < n) {
                numbers.push(numbers.at(-1) + numbers.at(-2));
              }
              return numbers.slice(0, n);
            }

            console.log(fibonacci(10));
            """),
        ["typescript"] = ("typescript", "TypeScript", """
            function fibonacci(n: number): number[] {
              const numbers = [0, 1];
              while (numbers.length < n) {
                numbers.push(numbers[numbers.length - 1] + numbers[numbers.length - 2]);
              }
              return numbers.slice(0, n);
            }

            console.log(fibonacci(10));
            """),
        ["sql"] = ("sql", "SQL", """
            SELECT model, count(*) AS answers, sum(cost_usd) AS cost
            FROM usage
            WHERE created_at >= now() - interval '7 days'
            GROUP BY model
            ORDER BY cost DESC;
            """),
        ["go"] = ("go", "Go", """
            func fibonacci(n int) []int {
            	numbers := []int{0, 1}
            	for len(numbers) < n {
            		numbers = append(numbers, numbers[len(numbers)-1]+numbers[len(numbers)-2])
            	}
            	return numbers[:n]
            }
            """),
        ["rust"] = ("rust", "Rust", """
            fn fibonacci(n: usize) -> Vec<u64> {
                let mut numbers = vec![0, 1];
                while numbers.len() < n {
                    let next = numbers[numbers.len() - 1] + numbers[numbers.len() - 2];
                    numbers.push(next);
                }
                numbers.truncate(n);
                numbers
            }
            """),
        ["java"] = ("java", "Java", """
            static List<Long> fibonacci(int count) {
                var numbers = new ArrayList<Long>(List.of(0L, 1L));
                while (numbers.size() < count) {
                    numbers.add(numbers.get(numbers.size() - 1) + numbers.get(numbers.size() - 2));
                }
                return numbers.subList(0, count);
            }
            """),
        ["bash"] = ("bash", "Bash", """
            #!/usr/bin/env bash
            set -euo pipefail
            a=0 b=1
            for _ in $(seq 10); do
              echo "$a"
              (( a, b = b, a + b )) || true
            done
            """),
    };

    /// <summary>The sample's key for the language the question names, or null when it names none.</summary>
    public static string? LanguageAsked(string lowercaseQuestion)
    {
        var match = LanguageName().Match(lowercaseQuestion);
        if (!match.Success)
        {
            return null;
        }
        return match.Value switch
        {
            "c#" or "csharp" or "c sharp" or ".net" or "dotnet" => "csharp",
            "js" or "javascript" or "node" or "node.js" => "javascript",
            "ts" or "typescript" => "typescript",
            "postgres" or "postgresql" or "sql" => "sql",
            "golang" or "go" => "go",
            "shell" or "bash" => "bash",
            var name => name,
        };
    }

    public static string Answer(string topic, string language)
    {
        var (fence, name, code) = Samples[language];
        return $"""


            ## {topic}

            Here is a short example in {name}:

            ```{fence}
            {code}
            ```

            It prints the first ten Fibonacci numbers; adapt the names to your code.
            """;
    }

    // "c#" and ".net" end or start with a character that is not a word character, so they get their own boundaries.
    [GeneratedRegex(@"(?<![\w.#])(c#|c sharp|csharp|\.net|dotnet|javascript|node\.js|node|js|typescript|ts|postgresql|postgres|sql|golang|go|rust|java|python|bash|shell)(?![\w#])", RegexOptions.CultureInvariant)]
    private static partial Regex LanguageName();
}
