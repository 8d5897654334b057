using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Bunit;
using ChatPlatform.Web.Components.Pages.Admin;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace ChatPlatform.Web.Tests.Components;

/// <summary>The admin Models page's temperature switch, shown per model and saved with the row against a fake gateway.</summary>
public sealed class AdminModelsPageTests : FakeGatewayContext
{
    private readonly ConcurrentQueue<(string Model, JsonNode? Body)> _patches = new();
    // What the fake router holds: reasoner takes no temperature, chatty does.
    private readonly ConcurrentDictionary<string, bool> _temperature = new() { ["chatty"] = true, ["reasoner"] = false };

    protected override void MapGateway(IEndpointRouteBuilder gateway)
    {
        gateway.MapGet("/v1/admin/models", () => Results.Text(
            $"[{Model("chatty")},{Model("reasoner")},{LegacyModel("older")}]", "application/json"));
        gateway.MapGet("/v1/admin/deployments", () => Results.Text("[]", "application/json"));
        gateway.MapPatch("/v1/admin/models/{id}", async (string id, HttpContext context) =>
        {
            var body = await JsonNode.ParseAsync(context.Request.Body);
            _patches.Enqueue((id, body));
            if (body?["capabilities"]?["temperature"]?.GetValue<bool>() is { } temperature)
            {
                _temperature[id] = temperature;
            }
            return Results.Text(Model(id), "application/json");
        });
    }

    private string Model(string id) => $$"""
        {"id":"{{id}}","displayName":"{{id}}","contextWindow":32768,"maxOutputTokens":4096,"enabled":true,"tiers":null,"source":"admin",
         "capabilities":{"vision":false,"tools":false,"embeddingDimensions":null,"temperature":{{(_temperature[id] ? "true" : "false")}} } }
        """;

    // A router from before the capability: no capabilities at all.
    private static string LegacyModel(string id) => $$"""
        {"id":"{{id}}","displayName":"{{id}}","contextWindow":8192,"maxOutputTokens":1024,"enabled":true,"tiers":["pro"],"source":"config"}
        """;

    private IRenderedComponent<Models> Open()
    {
        _temperature.TryAdd("older", true);
        var page = Render<Models>();
        page.WaitForAssertion(() => Assert.Equal("true", page.Find("main").GetAttribute("data-ready")), TimeSpan.FromSeconds(10));
        return page;
    }

    private static bool TakesTemperature(IRenderedComponent<Models> page, string model) =>
        page.Find($"tr[data-model-id='{model}'] input[data-field='temperature']").HasAttribute("checked");

    [Fact]
    public void Each_model_shows_whether_it_takes_a_temperature_labelled_for_its_row()
    {
        var page = Open();

        Assert.True(TakesTemperature(page, "chatty"));
        Assert.False(TakesTemperature(page, "reasoner"));
        // Without the capability in the answer, the router's default: it takes one.
        Assert.True(TakesTemperature(page, "older"));
        Assert.Equal("reasoner takes a temperature", page.Find("tr[data-model-id='reasoner'] input[data-field='temperature']").GetAttribute("aria-label"));
        Assert.Contains("Temperature", page.FindAll("th").Select(th => th.TextContent));
    }

    [Fact]
    public void Switching_it_off_saves_it_with_the_rows_other_fields_in_one_call_and_the_page_shows_the_saved_value()
    {
        var page = Open();

        page.Find("tr[data-model-id='chatty'] input[data-field='temperature']").Change(false);
        page.Find("tr[data-model-id='chatty'] button[data-action='save']").Click();

        page.WaitForAssertion(() => Assert.Equal("Saved chatty.", page.Find("[role='status']").TextContent), TimeSpan.FromSeconds(10));
        var (model, body) = Assert.Single(_patches);
        Assert.Equal("chatty", model);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"enabled":true,"tiers":[],"capabilities":{"temperature":false}}"""), body), body?.ToJsonString());
        // Read back from the router after the save, not the box's own state.
        Assert.False(TakesTemperature(page, "chatty"));
        Assert.False(TakesTemperature(page, "reasoner"));
    }

    [Fact]
    public void Switching_it_on_for_a_model_that_took_none_saves_true()
    {
        var page = Open();

        page.Find("tr[data-model-id='reasoner'] input[data-field='temperature']").Change(true);
        page.Find("tr[data-model-id='reasoner'] button[data-action='save']").Click();

        page.WaitForAssertion(() => Assert.Equal("Saved reasoner.", page.Find("[role='status']").TextContent), TimeSpan.FromSeconds(10));
        var (_, body) = Assert.Single(_patches);
        Assert.True(body!["capabilities"]!["temperature"]!.GetValue<bool>());
        Assert.True(TakesTemperature(page, "reasoner"));
    }
}
