using System.Collections.Concurrent;
using Bunit;
using ChatPlatform.Web.Components.Pages;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace ChatPlatform.Web.Tests.Components;

/// <summary>The chat page's parameters button and panel against a fake gateway: read from the conversation, saved with a PATCH.</summary>
public sealed class ChatParametersTests : FakeGatewayContext
{
    private static readonly Guid ConversationId = Guid.NewGuid();
    private readonly ConcurrentQueue<string> _patches = new();
    private string _parameters = "\"temperature\":0.4,\"maxOutputTokens\":null";

    protected override void MapGateway(IEndpointRouteBuilder gateway)
    {
        gateway.MapGet("/v1/conversations", () => Results.Text("""{"items":[],"nextCursor":null}""", "application/json"));
        gateway.MapGet("/v1/models", () => Results.Text("""
            {"data":[{"id":"sim-fast","display_name":"Sim Fast","context_window":8000,"max_output_tokens":6000,
                      "capabilities":{"vision":false,"tools":false},"simulated":true}]}
            """, "application/json"));
        gateway.MapGet("/v1/conversations/{id:guid}", (Guid id) => Results.Text($$"""
            {"id":"{{id}}","title":"Sums","model":"sim-fast","systemPrompt":null,"currentLeafId":null,{{_parameters}},
             "createdAt":"2026-12-06T18:00:00Z","updatedAt":"2026-12-06T18:00:00Z","messages":[]}
            """, "application/json"));
        gateway.MapMethods("/v1/conversations/{id:guid}", ["PATCH"], async (Guid id, HttpContext context) =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync();
            _patches.Enqueue(body);
            _parameters = body.Trim('{', '}');
            return Results.Text($$"""
                {"id":"{{id}}","title":"Sums","model":"sim-fast","systemPrompt":null,"currentLeafId":null,{{_parameters}},
                 "createdAt":"2026-12-06T18:00:00Z","updatedAt":"2026-12-06T18:00:00Z"}
                """, "application/json");
        });
    }

    private IRenderedComponent<Chat> Open()
    {
        JSInterop.SetupModule("./js/chat.js").Setup<Chat.BrowserEnvironment>("init").SetResult(new Chat.BrowserEnvironment(0, Narrow: false));
        var page = Render<Chat>(p => p.Add(c => c.ConversationId, ConversationId));
        page.WaitForAssertion(() => Assert.Equal("true", page.Find("div.app").GetAttribute("data-ready")), TimeSpan.FromSeconds(10));
        return page;
    }

    [Fact]
    public async Task The_panel_shows_the_conversations_parameters_and_saving_patches_both()
    {
        var page = Open();
        page.WaitForAssertion(() => Assert.Equal("Parameters •", page.Find("button.parameters-toggle").TextContent), TimeSpan.FromSeconds(10));

        await page.Find("button.parameters-toggle").ClickAsync();
        Assert.Equal("0.4", page.Find("#parameters #temperature-input").GetAttribute("value"));
        // Half the 8,000-token window, below the model's own 6,000.
        Assert.Equal("4000", page.Find("#parameters #max-output-input").GetAttribute("max"));
        page.Find("#max-output-input").Change("250");
        await page.Find("#parameters button.primary").ClickAsync();

        page.WaitForAssertion(() => Assert.Equal(["{\"temperature\":0.4,\"maxOutputTokens\":250}"], _patches), TimeSpan.FromSeconds(10));
        page.WaitForAssertion(() => Assert.Empty(page.FindAll("#parameters")), TimeSpan.FromSeconds(10));
        await page.Find("button.parameters-toggle").ClickAsync();
        Assert.Equal("250", page.Find("#parameters #max-output-input").GetAttribute("value"));
    }

    [Fact]
    public async Task Using_the_defaults_sends_nulls_and_the_button_loses_its_mark()
    {
        var page = Open();
        page.WaitForAssertion(() => Assert.Equal("Parameters •", page.Find("button.parameters-toggle").TextContent), TimeSpan.FromSeconds(10));

        await page.Find("button.parameters-toggle").ClickAsync();
        await page.FindAll("#parameters button").Single(b => b.TextContent == "Use defaults").ClickAsync();

        page.WaitForAssertion(() => Assert.Equal(["{\"temperature\":null,\"maxOutputTokens\":null}"], _patches), TimeSpan.FromSeconds(10));
        page.WaitForAssertion(() => Assert.Equal("Parameters", page.Find("button.parameters-toggle").TextContent), TimeSpan.FromSeconds(10));
    }
}
