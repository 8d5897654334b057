using ChatPlatform.ModelRouter.Model;
using ChatPlatform.ModelRouter.Providers.Simulator;
using Microsoft.Extensions.AI;
using static ChatPlatform.ModelRouter.Tests.Providers.ProviderTestHost;

namespace ChatPlatform.ModelRouter.Tests.Providers;

/// <summary>The simulator answers in Markdown shaped by the question, so every rendering feature can be seen offline.</summary>
public sealed class ShowcaseAnswerTests
{
    private const int Roomy = 400;

    private static string Answer(string question) => string.Concat(ShowcaseAnswer.Tokens(question, Roomy));

    [Theory]
    [InlineData("Write a python function to sort a list", "```python\n")]
    [InlineData("Show me some code", "```python\n")]
    [InlineData("How do I do this in C#?", "```csharp\n")]
    [InlineData("A JavaScript snippet please", "```javascript\n")]
    [InlineData("Write a SQL query for weekly cost", "```sql\n")]
    [InlineData("Implement it in rust", "```rust\n")]
    [InlineData("Give me a go function", "```go\n")]
    public void A_question_asking_for_code_gets_a_fenced_block_in_its_language(string question, string fence)
    {
        var answer = Answer(question);

        Assert.Equal(ShowcaseAnswer.Kind.Code, ShowcaseAnswer.KindOf(question));
        Assert.Contains("\n" + fence, answer);
        Assert.Equal(2, answer.Split("```").Length - 1);
    }

    [Fact]
    public void A_question_asking_for_a_table_gets_a_pipe_table()
    {
        var answer = Answer("Compare the models in a table");

        Assert.Contains("\n| Model | Speed | Price per 1M tokens | Best for |\n| --- | ---: | ---: | --- |\n| sim-fast |", answer);
    }

    [Fact]
    public void A_math_question_gets_inline_and_display_formulas()
    {
        var answer = Answer("What is the quadratic formula?");

        Assert.Contains("$ax^2 + bx + c = 0$", answer);
        Assert.Contains("\n$$\nx = \\frac{-b \\pm \\sqrt{b^2 - 4ac}}{2a}\n$$\n", answer);
    }

    [Theory]
    [InlineData("Draw a flowchart of a chat turn")]
    [InlineData("Show it as a diagram")]
    public void A_diagram_question_gets_a_mermaid_block(string question)
    {
        var answer = Answer(question);

        Assert.Contains("\n```mermaid\nflowchart TD\n", answer);
        Assert.Contains("\n```\n", answer);
    }

    [Theory]
    [InlineData("Tell me about streaming")]
    [InlineData("Let's go for a walk and shell some peas")]
    public void Anything_else_gets_prose_with_a_heading_and_a_list(string question)
    {
        var answer = Answer(question);

        Assert.Equal(ShowcaseAnswer.Kind.Prose, ShowcaseAnswer.KindOf(question));
        Assert.StartsWith("[simulated] Here is a short overview.\n\n## ", answer, StringComparison.Ordinal);
        Assert.Equal(3, answer.Split("\n- **").Length - 1);
        Assert.DoesNotContain("```", answer);
    }

    [Fact]
    public void The_heading_is_the_question_without_markdown_of_its_own()
    {
        var answer = Answer("tell me about `code` and [links](x) and $x$?");

        Assert.Contains("\n## Tell me about code and links(x) and x\n", answer);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(12)]
    [InlineData(80)]
    [InlineData(Roomy)]
    public void It_streams_exactly_the_answer_length_and_loses_no_word(int length)
    {
        const string question = "Write a python function";
        var markdown = ShowcaseAnswer.Markdown(question);

        var tokens = ShowcaseAnswer.Tokens(question, length);

        Assert.Equal(length, tokens.Length);
        Assert.All(tokens, token => Assert.NotEmpty(token));
        var text = string.Concat(tokens);
        if (length > 1)
        {
            Assert.StartsWith("[simulated]" + markdown, text, StringComparison.Ordinal);
            Assert.EndsWith(".", text);
        }
        else
        {
            Assert.Equal("[simulated]", text);
        }
    }

    [Fact]
    public async Task The_simulator_streams_the_showcase_answer_deterministically()
    {
        var settings = new SimulatorSettings(TimeToFirstTokenMs: 0, TokensPerSecond: 0, AnswerTokens: 80);
        var deployment = new DeploymentDefinition("sim-1", "sim-model", ProviderKind.Simulator, "sim-model", Endpoint: null, ApiKeySetting: null, 1, 1, Pricing.Free, Simulator: settings);
        ChatMessage[] ask = [new(ChatRole.User, "Make a table of the models")];
        var ct = TestContext.Current.CancellationToken;

        var first = await StreamAsync(new SimulatorChatClient("sim-model", settings, TimeProvider.System), deployment, ask, null, ct);
        var again = await StreamAsync(new SimulatorChatClient("sim-model", settings, TimeProvider.System), deployment, ask, null, ct);

        Assert.Equal(80, TextUpdateCount(first.Updates));
        Assert.Equal(Text(first.Updates), Text(again.Updates));
        Assert.Contains("| sim-smart | 40 tokens/s | $2.50 |", Text(first.Updates));
    }
}
