using static Microsoft.Playwright.Assertions;

namespace ChatPlatform.Web.Tests.Browser;

/// <summary>A person chatting: the simulator's models answer deterministically (sim-fast: 200 tokens/s; sim-smart: 40 tokens/s, about 3 s).</summary>
public sealed class ChatTests(BrowserPlatform platform)
{
    private const string FastModel = "sim-fast";
    private const string SlowModel = "sim-smart";

    private async Task<IPage> SignedUpPageAsync(int width = 1280, int height = 800, ColorScheme colorScheme = ColorScheme.Light)
    {
        Assert.SkipWhen(platform.TurnsUnavailable is not null, platform.TurnsUnavailable ?? "");
        var page = await platform.NewPageAsync(width, height, colorScheme);
        await page.SignUpAsync(TestAccount.New());
        return page;
    }

    [Fact]
    public async Task The_answer_arrives_in_several_steps_and_the_chat_is_kept_across_a_reload()
    {
        var page = await SignedUpPageAsync();
        await page.ChooseModelAsync(SlowModel);
        // Every text the answer shows on its way, as the page renders it.
        await page.EvaluateAsync("""
            window.answerTexts = [];
            new MutationObserver(() => {
                const answer = document.querySelector('article.message.assistant .markdown');
                const text = (answer?.textContent ?? '').trim();
                if (text.length > 0 && window.answerTexts.at(-1) !== text) window.answerTexts.push(text);
            }).observe(document.getElementById('messages'), { childList: true, subtree: true, characterData: true });
            """);

        await page.SendAsync("Tell me about streaming");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Stop generating" })).ToBeVisibleAsync();
        var answer = await page.WaitForAnswerAsync();
        var texts = await page.EvaluateAsync<string[]>("window.answerTexts");
        var final = await answer.Locator(".markdown").InnerTextAsync();

        Assert.True(texts.Length >= 5, $"the answer appeared in {texts.Length} steps");
        Assert.All(texts.Zip(texts.Skip(1)), pair => Assert.StartsWith(pair.First, pair.Second));
        Assert.StartsWith("[simulated]", final);
        await Expect(page).ToHaveURLAsync(ChatPages.ConversationUrl());
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Send message" })).ToBeDisabledAsync();
        await Expect(page.Locator(".conversation a")).ToHaveTextAsync("Tell me about streaming");
        await Expect(page.Locator(".conversation-group h2")).ToHaveTextAsync("Today");

        await page.ReloadAsync();
        await page.WaitForChatReadyAsync();

        await Expect(page.UserMessages()).ToHaveTextAsync(["Tell me about streaming"]);
        await Expect(page.Answers().Locator(".markdown")).ToHaveTextAsync([final]);
        await Expect(page.GetByLabel("Model", new() { Exact = true })).ToHaveValueAsync(SlowModel);
    }

    [Fact]
    public async Task Stopping_keeps_the_partial_answer()
    {
        var page = await SignedUpPageAsync();
        await page.ChooseModelAsync(SlowModel);

        await page.SendAsync("Tell me a long story");
        var answer = page.Answers().First;
        await Expect(answer.Locator(".markdown")).ToContainTextAsync("[simulated]");
        await page.GetByRole(AriaRole.Button, new() { Name = "Stop generating" }).ClickAsync();
        await page.WaitForAnswerAsync(status: "stopped");
        var partial = await answer.Locator(".markdown").InnerTextAsync();

        Assert.NotEmpty(partial);
        await Expect(answer.Locator(".message-note")).ToHaveTextAsync("Stopped");
        await page.ReloadAsync();
        await page.WaitForChatReadyAsync();
        await Expect(page.Answers().Locator(".markdown")).ToHaveTextAsync([partial]);
        await Expect(page.Answers().First).ToHaveAttributeAsync("data-status", "stopped");
    }

    [Fact]
    public async Task Regenerating_makes_a_second_answer_and_the_navigator_switches_between_them()
    {
        var page = await SignedUpPageAsync();
        await page.ChooseModelAsync(FastModel);
        await page.SendAsync("Hello");
        var first = await page.WaitForAnswerAsync();
        var firstId = await first.GetAttributeAsync("data-message-id");

        await first.GetByRole(AriaRole.Button, new() { Name = "Regenerate answer" }).ClickAsync();
        await Expect(page.Answers().First.SiblingPosition()).ToHaveTextAsync("2/2");
        var second = await page.WaitForAnswerAsync();
        var secondId = await second.GetAttributeAsync("data-message-id");
        Assert.NotEqual(firstId, secondId);

        await second.GetByRole(AriaRole.Button, new() { Name = "Previous version" }).ClickAsync();
        await Expect(page.Answers().First).ToHaveAttributeAsync("data-message-id", firstId!);
        await Expect(page.Answers().First.SiblingPosition()).ToHaveTextAsync("1/2");
        await page.Answers().First.GetByRole(AriaRole.Button, new() { Name = "Next version" }).ClickAsync();
        await Expect(page.Answers().First).ToHaveAttributeAsync("data-message-id", secondId!);

        await page.ReloadAsync();
        await page.WaitForChatReadyAsync();
        await Expect(page.Answers().First).ToHaveAttributeAsync("data-message-id", secondId!);
        await Expect(page.Answers().First.SiblingPosition()).ToHaveTextAsync("2/2");
    }

    [Fact]
    public async Task Editing_a_message_makes_a_branch_and_the_navigator_switches_branches()
    {
        var page = await SignedUpPageAsync();
        await page.ChooseModelAsync(FastModel);
        await page.SendAsync("What is a circuit breaker?");
        var first = await page.WaitForAnswerAsync();
        var firstAnswer = await first.Locator(".markdown").InnerTextAsync();
        var firstId = await first.GetAttributeAsync("data-message-id");

        await page.UserMessages().First.GetByRole(AriaRole.Button, new() { Name = "Edit message" }).ClickAsync();
        await page.GetByLabel("Edit your message").FillAsync("What is a retry budget?");
        await page.UserMessages().First.GetByRole(AriaRole.Button, new() { Name = "Send" }).ClickAsync();
        // The click reaches the server after Playwright returns: until then the first answer is still on show, complete.
        await Expect(page.Answers().First).Not.ToHaveAttributeAsync("data-message-id", firstId!);
        await page.WaitForAnswerAsync();

        await Expect(page.UserMessages().Locator(".bubble")).ToHaveTextAsync(["What is a retry budget?"]);
        await Expect(page.UserMessages().First.SiblingPosition()).ToHaveTextAsync("2/2");
        Assert.NotEqual(firstAnswer, await page.Answers().First.Locator(".markdown").InnerTextAsync());

        await page.UserMessages().First.GetByRole(AriaRole.Button, new() { Name = "Previous version" }).ClickAsync();
        await Expect(page.UserMessages().Locator(".bubble")).ToHaveTextAsync(["What is a circuit breaker?"]);
        await Expect(page.Answers().Locator(".markdown")).ToHaveTextAsync([firstAnswer]);

        await page.ReloadAsync();
        await page.WaitForChatReadyAsync();
        await Expect(page.UserMessages().Locator(".bubble")).ToHaveTextAsync(["What is a circuit breaker?"]);
        await Expect(page.UserMessages().First.SiblingPosition()).ToHaveTextAsync("1/2");
    }

    [Fact]
    public async Task A_conversation_can_be_renamed_and_deleted_from_the_sidebar()
    {
        var page = await SignedUpPageAsync();
        await page.ChooseModelAsync(FastModel);
        await page.SendAsync("Plan a trip");
        await page.WaitForAnswerAsync();
        var item = page.Locator(".conversation.active");

        await item.GetByRole(AriaRole.Button, new() { Name = "Rename Plan a trip" }).ClickAsync();
        await page.GetByLabel("Conversation title").FillAsync("Holiday plans");
        await page.GetByLabel("Conversation title").PressAsync("Enter");
        await Expect(item.Locator("a")).ToHaveTextAsync("Holiday plans");
        await page.ReloadAsync();
        await page.WaitForChatReadyAsync();
        await Expect(page.Locator(".conversation a")).ToHaveTextAsync(["Holiday plans"]);

        await page.Locator(".conversation.active").GetByRole(AriaRole.Button, new() { Name = "Delete Holiday plans" }).ClickAsync();
        await page.Locator(".conversation.active").GetByRole(AriaRole.Button, new() { Name = "Delete", Exact = true }).ClickAsync();

        await Expect(page.Locator(".conversation")).ToHaveCountAsync(0);
        await Expect(page).ToHaveURLAsync(platform.WebUrl.ToString());
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "How can I help?" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Html_in_a_message_shows_as_text_and_runs_nothing()
    {
        var page = await SignedUpPageAsync();
        await page.ChooseModelAsync(FastModel);
        const string attack = """<script>window.injected = 1</script><img src="x" onerror="window.injected = 2">""";

        await page.SendAsync(attack);
        await page.WaitForAnswerAsync();

        await Expect(page.UserMessages().Locator(".bubble")).ToHaveTextAsync([attack]);
        Assert.Null(await page.EvaluateAsync<int?>("window.injected ?? null"));
        await Expect(page.Locator("#messages img")).ToHaveCountAsync(0);
        await Expect(page.Locator("#messages script")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task Enter_sends_and_shift_enter_breaks_the_line()
    {
        var page = await SignedUpPageAsync();
        await page.ChooseModelAsync(FastModel);
        var send = page.GetByRole(AriaRole.Button, new() { Name = "Send message" });
        await Expect(send).ToBeDisabledAsync();

        await page.Composer().FillAsync("first line");
        await page.Composer().PressAsync("Shift+Enter");
        await page.Composer().PressSequentiallyAsync("second line");
        await Expect(page.Composer()).ToHaveValueAsync("first line\nsecond line");
        await Expect(send).ToBeEnabledAsync();
        await page.Composer().PressAsync("Enter");
        await page.WaitForAnswerAsync();

        await Expect(page.UserMessages().Locator(".bubble")).ToHaveTextAsync(["first line\nsecond line"]);
        await Expect(page.Composer()).ToHaveValueAsync("");
    }

    [Theory]
    [InlineData("desktop", 1280, 800, ColorScheme.Light)]
    [InlineData("desktop", 1280, 800, ColorScheme.Dark)]
    [InlineData("phone", 390, 844, ColorScheme.Light)]
    [InlineData("phone", 390, 844, ColorScheme.Dark)]
    public async Task A_conversation_fits_the_screen_in_light_and_dark(string device, int width, int height, ColorScheme scheme)
    {
        var page = await SignedUpPageAsync(width, height, scheme);
        await page.ChooseModelAsync(FastModel);
        await page.SendAsync("Show me what an answer looks like");
        await page.WaitForAnswerAsync();

        var box = await page.Answers().First.BoundingBoxAsync();
        Assert.NotNull(box);
        Assert.True(box.X >= 0 && box.X + box.Width <= width, "the answer fits the screen's width");
        var scrollWidth = await page.EvaluateAsync<int>("document.documentElement.scrollWidth");
        Assert.True(scrollWidth <= width, $"the page scrolls sideways ({scrollWidth}px)");
        await Expect(page.GetByRole(AriaRole.Navigation, new() { Name = "Conversations" })).ToBeVisibleAsync(new() { Visible = device == "desktop" });
        await page.ScreenshotAsync($"{device}-{scheme.ToString().ToLowerInvariant()}-conversation");
    }

    [Fact]
    public async Task Reloading_in_the_middle_of_an_answer_resumes_it_without_losing_text()
    {
        var page = await SignedUpPageAsync();
        await page.ChooseModelAsync(SlowModel);
        await page.SendAsync("Tell me a long story about resuming");
        var answer = page.Answers().First;
        await Expect(answer.Locator(".markdown")).ToContainTextAsync("[simulated]");
        var before = await answer.Locator(".markdown").InnerTextAsync();

        await page.ReloadAsync();
        await page.WaitForChatReadyAsync();
        var resumed = await page.WaitForAnswerAsync();
        var after = await resumed.Locator(".markdown").InnerTextAsync();

        Assert.StartsWith(before.TrimEnd('.', ' '), after);
        Assert.True(after.Length > before.Length, "the answer went on after the reload");
    }

    [Fact]
    public async Task A_provider_failure_is_shown_in_place_with_a_retry()
    {
        var page = await SignedUpPageAsync();
        await page.ChooseModelAsync(BrowserPlatform.FailingModel);

        await page.SendAsync("This will fail");
        var answer = page.Answers().First;
        await Expect(answer.GetByRole(AriaRole.Alert)).ToBeVisibleAsync(new() { Timeout = 30_000 });
        var failedId = await answer.GetAttributeAsync("data-message-id");
        Assert.Contains(await answer.GetAttributeAsync("data-status"), new[] { "failed", "interrupted" });
        // The partial answer is kept and the error stands in place, under it.
        await Expect(answer.Locator(".markdown")).ToContainTextAsync("[simulated]");

        await answer.GetByRole(AriaRole.Button, new() { Name = "Retry" }).ClickAsync();

        // The retry is a new attempt beside the first (this model fails every time).
        await Expect(page.Answers().First.SiblingPosition()).ToHaveTextAsync("2/2");
        await Expect(page.Answers().First.GetByRole(AriaRole.Alert)).ToBeVisibleAsync(new() { Timeout = 30_000 });
        Assert.NotEqual(failedId, await page.Answers().First.GetAttributeAsync("data-message-id"));
    }

    [Fact]
    public async Task A_message_is_copied_to_the_clipboard()
    {
        var page = await SignedUpPageAsync();
        // Every test's page shares the browser's one clipboard, and reading it needs the focus that parallel tests
        // take from each other, so the page records what it writes instead of reading the clipboard back.
        const string RecordCopies = """
            (() => {
                if (window.copiedTexts) return;
                window.copiedTexts = [];
                const write = navigator.clipboard.writeText.bind(navigator.clipboard);
                navigator.clipboard.writeText = async text => { await write(text); window.copiedTexts.push(text); };
                document.addEventListener("copy", event => window.copiedTexts.push(event.target.value ?? document.getSelection().toString()), true);
            })()
            """;
        await page.AddInitScriptAsync(RecordCopies);
        await page.EvaluateAsync(RecordCopies);
        await page.ChooseModelAsync(FastModel);
        await page.SendAsync("Copy me, please");
        await page.WaitForAnswerAsync();

        await page.UserMessages().First.GetByRole(AriaRole.Button, new() { Name = "Copy message" }).ClickAsync();

        var copied = await page.WaitForFunctionAsync("() => window.copiedTexts.length > 0 ? window.copiedTexts : null");
        Assert.Equal(["Copy me, please"], await copied.JsonValueAsync<string[]>());
    }

    [Fact]
    public async Task Scrolling_up_stops_following_the_answer_and_jump_to_latest_returns_to_it()
    {
        var page = await SignedUpPageAsync(width: 390, height: 420);
        await page.ChooseModelAsync(SlowModel);
        await page.SendAsync("Tell me a story long enough to scroll");
        await page.WaitForFunctionAsync("(() => { const m = document.getElementById('messages'); return m.scrollHeight > m.clientHeight + 100; })()",
            null, new() { Timeout = 30_000 });

        await page.EvaluateAsync("document.getElementById('messages').scrollTop = 0");
        var jump = page.GetByRole(AriaRole.Button, new() { Name = "Jump to latest" });
        await Expect(jump).ToBeVisibleAsync();
        var length = await page.Answers().First.Locator(".markdown").EvaluateAsync<int>("e => e.textContent.length");
        await page.WaitForFunctionAsync($"document.querySelector('article.message.assistant .markdown').textContent.length > {length + 20}");
        Assert.Equal(0, await page.EvaluateAsync<int>("document.getElementById('messages').scrollTop"));

        await jump.ClickAsync();
        await page.WaitForFunctionAsync("(() => { const m = document.getElementById('messages'); return m.scrollTop + m.clientHeight >= m.scrollHeight - 100; })()");
        await Expect(jump).ToBeHiddenAsync();
    }

    [Fact]
    public async Task The_system_prompt_and_the_model_are_kept_per_conversation()
    {
        var page = await SignedUpPageAsync();
        await page.ChooseModelAsync(FastModel);
        await page.GetByRole(AriaRole.Button, new() { Name = "System prompt" }).ClickAsync();
        await page.GetByLabel("System prompt for this conversation").FillAsync("Answer like a pirate.");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await page.SendAsync("Hello");
        await page.WaitForAnswerAsync();

        await page.ChooseModelAsync(SlowModel);
        await Expect(page.Locator(".model-capabilities")).ToContainTextAsync("128K context");
        await page.ReloadAsync();
        await page.WaitForChatReadyAsync();

        await Expect(page.GetByLabel("Model", new() { Exact = true })).ToHaveValueAsync(SlowModel);
        await page.GetByRole(AriaRole.Button, new() { Name = "System prompt •" }).ClickAsync();
        await Expect(page.GetByLabel("System prompt for this conversation")).ToHaveValueAsync("Answer like a pirate.");
        await Expect(page.Locator(".badge.simulated")).ToHaveTextAsync("Simulated");
    }
}
