using System.Collections.Concurrent;
using System.Text.Json;
using Bunit;
using ChatPlatform.Web.Components.Pages;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace ChatPlatform.Web.Tests.Components;

/// <summary>The chat page following the person's settings: default model and system prompt of a new chat, Enter-to-send, theme.</summary>
public sealed class ChatPreferencesTests : FakeGatewayContext
{
    private static readonly Guid ConversationId = Guid.NewGuid();
    private readonly ConcurrentQueue<JsonElement> _created = new();
    private readonly ConcurrentQueue<JsonElement> _saved = new();
    private string? _settings = """{"displayName":null,"defaultModel":"sim-slow","theme":"dark","enterToSend":false,"systemPrompt":"Be brief."}""";

    protected override void MapGateway(IEndpointRouteBuilder gateway)
    {
        gateway.MapGet("/v1/me/settings", () => _settings is null
            ? Results.Problem(statusCode: 503, detail: "Settings are out of reach.")
            : Results.Text(_settings, "application/json"));
        gateway.MapGet("/v1/conversations", () => Results.Text("""{"items":[],"nextCursor":null}""", "application/json"));
        gateway.MapGet("/v1/models", () => Results.Text("""
            {"data":[{"id":"sim-fast","display_name":"Sim Fast","context_window":8000,"simulated":true},
                     {"id":"sim-slow","display_name":"Sim Slow","context_window":8000,"simulated":true}]}
            """, "application/json"));
        gateway.MapPut("/v1/me/settings", async (HttpContext context) =>
        {
            var body = await JsonSerializer.DeserializeAsync<JsonElement>(context.Request.Body);
            _saved.Enqueue(body);
            return Results.Text($$"""{"displayName":null,"defaultModel":"sim-slow","theme":"{{body.GetProperty("theme").GetString()}}","enterToSend":false,"systemPrompt":"Be brief."}""",
                "application/json");
        });
        gateway.MapPost("/v1/conversations", async (HttpContext context) =>
        {
            _created.Enqueue(await JsonSerializer.DeserializeAsync<JsonElement>(context.Request.Body));
            return Results.Problem(statusCode: 503, detail: "Stop here: the request is what is tested.");
        });
    }

    private IRenderedComponent<Chat> RenderChat()
    {
        JSInterop.SetupModule("./js/chat.js").Setup<Chat.BrowserEnvironment>("init").SetResult(new Chat.BrowserEnvironment(-60, Narrow: false));
        var page = Render<Chat>();
        page.WaitForAssertion(() => Assert.Equal("true", page.Find("div.app").GetAttribute("data-ready")), TimeSpan.FromSeconds(10));
        return page;
    }

    [Fact]
    public async Task A_new_chat_starts_with_the_default_model_and_system_prompt()
    {
        var page = RenderChat();

        page.WaitForAssertion(() => Assert.Equal("sim-slow", page.Find("#model-select").GetAttribute("value")), TimeSpan.FromSeconds(10));
        page.Find("#composer-input").Input("Hello");
        page.WaitForAssertion(() => Assert.False(page.Find(".composer-area button[aria-label='Send message']").HasAttribute("disabled")), TimeSpan.FromSeconds(10));
        await page.Find(".composer-area form").SubmitAsync();

        page.WaitForAssertion(() => Assert.Single(_created), TimeSpan.FromSeconds(10));
        var body = Assert.Single(_created);
        Assert.Equal("sim-slow", body.GetProperty("model").GetString());
        Assert.Equal("Be brief.", body.GetProperty("systemPrompt").GetString());
    }

    [Fact]
    public void The_composer_and_the_theme_follow_the_settings()
    {
        var page = RenderChat();

        page.WaitForAssertion(() => Assert.Equal("false", page.Find("#composer-input").GetAttribute("data-enter-sends")), TimeSpan.FromSeconds(10));
        Assert.Contains("Ctrl+Enter sends", page.Find("#composer-help").TextContent);
        var apply = Assert.Single(JSInterop.Invocations, i => i.Identifier == "chatPlatformTheme.apply");
        Assert.Equal("dark", apply.Arguments[0]);
    }

    [Fact]
    public void Without_settings_the_chat_keeps_its_defaults()
    {
        _settings = null;

        var page = RenderChat();

        Assert.Equal("true", page.Find("#composer-input").GetAttribute("data-enter-sends"));
        Assert.Contains("Enter sends", page.Find("#composer-help").TextContent);
        Assert.DoesNotContain(JSInterop.Invocations, i => i.Identifier == "chatPlatformTheme.apply");
    }

    [Fact]
    public async Task The_headers_theme_toggle_saves_the_choice_keeping_the_other_settings()
    {
        var page = RenderChat();
        page.WaitForAssertion(() => Assert.Equal("dark", page.Find("[data-theme-toggle]").GetAttribute("data-saved-theme")), TimeSpan.FromSeconds(10));

        await page.Find("[data-theme-toggle]").TriggerEventAsync("onthemechosen", new ChatPlatform.Web.Components.Chat.ThemeChosenEventArgs { Theme = "light" });

        page.WaitForAssertion(() => Assert.Equal("light", page.Find("[data-theme-toggle]").GetAttribute("data-saved-theme")), TimeSpan.FromSeconds(10));
        var body = Assert.Single(_saved);
        Assert.Equal("light", body.GetProperty("theme").GetString());
        Assert.Equal("sim-slow", body.GetProperty("defaultModel").GetString());
        Assert.False(body.GetProperty("enterToSend").GetBoolean());
        Assert.Equal("Be brief.", body.GetProperty("systemPrompt").GetString());
    }
}
