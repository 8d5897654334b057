using System.Collections.Concurrent;
using System.Text.Json;
using Bunit;
using ChatPlatform.Web.Components.Pages;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace ChatPlatform.Web.Tests.Components;

/// <summary>The settings page against a fake gateway: what it shows, what it sends, and how it says no.</summary>
public sealed class SettingsPageTests : FakeGatewayContext
{
    private readonly ConcurrentQueue<(string Method, string Path, JsonElement Body)> _writes = new();
    private string _settings = """{"displayName":"Ada","defaultModel":"sim-slow","theme":"dark","enterToSend":false,"systemPrompt":"Be brief."}""";
    private IResult? _passwordAnswer;
    private IResult? _settingsAnswer;

    protected override void MapGateway(IEndpointRouteBuilder gateway)
    {
        gateway.MapGet("/v1/me/settings", () => Results.Text(_settings, "application/json"));
        gateway.MapGet("/v1/models", () => Results.Text("""
            {"data":[{"id":"sim-fast","display_name":"Sim Fast","context_window":8000},{"id":"sim-slow","display_name":"Sim Slow","context_window":8000}]}
            """, "application/json"));
        gateway.MapPut("/v1/me/settings", async (HttpContext context) =>
        {
            var body = await RecordAsync(context);
            if (_settingsAnswer is not null)
            {
                return _settingsAnswer;
            }
            _settings = JsonSerializer.Serialize(new
            {
                displayName = "Ada",
                defaultModel = body.TryGetProperty("defaultModel", out var model) ? model.GetString() : null,
                theme = body.GetProperty("theme").GetString(),
                enterToSend = body.GetProperty("enterToSend").GetBoolean(),
                systemPrompt = body.TryGetProperty("systemPrompt", out var prompt) ? prompt.GetString() : null,
            });
            return Results.Text(_settings, "application/json");
        });
        gateway.MapPatch("/v1/me", async (HttpContext context) =>
        {
            var body = await RecordAsync(context);
            return Results.Text($$"""{"displayName":"{{body.GetProperty("displayName").GetString()}}","defaultModel":null,"theme":"system","enterToSend":true,"systemPrompt":null}""", "application/json");
        });
        gateway.MapPost("/v1/me/password", async (HttpContext context) =>
        {
            await RecordAsync(context);
            return _passwordAnswer ?? Results.NoContent();
        });
    }

    private async Task<JsonElement> RecordAsync(HttpContext context)
    {
        var body = await JsonSerializer.DeserializeAsync<JsonElement>(context.Request.Body);
        _writes.Enqueue((context.Request.Method, context.Request.Path.ToString(), body));
        return body;
    }

    private IRenderedComponent<Settings> RenderSettings()
    {
        var page = Render<Settings>();
        page.WaitForAssertion(() => Assert.Equal("true", page.Find("main.settings-page").GetAttribute("data-ready")), TimeSpan.FromSeconds(10));
        return page;
    }

    [Fact]
    public void The_page_shows_the_saved_settings_and_links_to_keys_sessions_and_two_factor()
    {
        var page = RenderSettings();

        Assert.Equal("Ada", page.Find("form[data-form='profile'] input").GetAttribute("value"));
        Assert.Equal("sim-slow", page.Find("select[aria-label='Default model']").GetAttribute("value"));
        Assert.True(page.Find("input[name='theme'][value='dark']").HasAttribute("checked"));
        Assert.False(page.Find("input[type='checkbox']").HasAttribute("checked"));
        Assert.Contains("Ctrl+Enter", page.Find("#enter-help").TextContent);
        Assert.Equal("Be brief.", page.Find("textarea").GetAttribute("value"));
        var links = page.FindAll("a").Select(a => a.GetAttribute("href")).ToList();
        Assert.Contains("settings/api-keys", links);
        Assert.Contains("settings/sessions", links);
        Assert.Contains("settings/two-factor", links);
        Assert.Contains(page.FindAll("a"), a => a.TextContent == "Two-factor sign-in");
    }

    [Fact]
    public async Task Saving_preferences_sends_them_and_applies_the_theme_here()
    {
        var page = RenderSettings();

        page.Find("input[name='theme'][value='light']").Change(true);
        page.Find("input[type='checkbox']").Change(true);
        page.Find("select[aria-label='Default model']").Change("");
        page.Find("textarea").Change("Answer in French.");
        await page.Find("form[data-form='preferences']").SubmitAsync();

        page.WaitForAssertion(() => Assert.Equal("Preferences saved.", page.Find("form[data-form='preferences'] .form-status").TextContent), TimeSpan.FromSeconds(10));
        var (method, path, body) = Assert.Single(_writes);
        Assert.Equal(("PUT", "/v1/me/settings"), (method, path));
        Assert.Equal("light", body.GetProperty("theme").GetString());
        Assert.True(body.GetProperty("enterToSend").GetBoolean());
        Assert.Equal("Answer in French.", body.GetProperty("systemPrompt").GetString());
        Assert.False(body.TryGetProperty("defaultModel", out var model) && model.ValueKind != JsonValueKind.Null);
        Assert.Equal("light", Assert.Single(JSInterop.Invocations, i => i.Identifier == "chatPlatformTheme.apply").Arguments[0]);
    }

    [Fact]
    public async Task A_refused_setting_shows_the_gateways_reason_and_keeps_the_theme()
    {
        _settingsAnswer = Results.ValidationProblem(new Dictionary<string, string[]> { ["defaultModel"] = ["The model 'sim-slow' is not one you can use."] });
        var page = RenderSettings();

        await page.Find("form[data-form='preferences']").SubmitAsync();

        page.WaitForAssertion(() => Assert.Equal("The model 'sim-slow' is not one you can use.", page.Find(".validation-errors li").TextContent), TimeSpan.FromSeconds(10));
        Assert.DoesNotContain(JSInterop.Invocations, i => i.Identifier == "chatPlatformTheme.apply");
    }

    [Fact]
    public async Task Saving_the_name_patches_the_profile()
    {
        var page = RenderSettings();

        page.Find("form[data-form='profile'] input").Change("  Ada Lovelace ");
        await page.Find("form[data-form='profile']").SubmitAsync();

        page.WaitForAssertion(() => Assert.Equal("Name saved.", page.Find("#profile-status").TextContent), TimeSpan.FromSeconds(10));
        var (method, path, body) = Assert.Single(_writes);
        Assert.Equal(("PATCH", "/v1/me", "Ada Lovelace"), (method, path, body.GetProperty("displayName").GetString()));
    }

    [Fact]
    public async Task Changing_the_password_sends_both_and_clears_the_fields()
    {
        var page = RenderSettings();
        var fields = page.FindAll("form[data-form='password'] input[type='password']");

        fields[0].Change("old-Password-1");
        page.FindAll("form[data-form='password'] input[type='password']")[1].Change("new-Password-22");
        page.FindAll("form[data-form='password'] input[type='password']")[2].Change("new-Password-22");
        await page.Find("form[data-form='password']").SubmitAsync();

        page.WaitForAssertion(() => Assert.Equal("Password changed. Your other sessions were signed out.",
            page.Find("form[data-form='password'] .form-status").TextContent), TimeSpan.FromSeconds(10));
        var (_, path, body) = Assert.Single(_writes);
        Assert.Equal("/v1/me/password", path);
        Assert.Equal(("old-Password-1", "new-Password-22"), (body.GetProperty("currentPassword").GetString(), body.GetProperty("newPassword").GetString()));
        Assert.All(page.FindAll("form[data-form='password'] input[type='password']"), input => Assert.Equal("", input.GetAttribute("value") ?? ""));
    }

    [Fact]
    public async Task Mismatched_new_passwords_are_not_sent()
    {
        var page = RenderSettings();

        page.FindAll("form[data-form='password'] input[type='password']")[0].Change("old-Password-1");
        page.FindAll("form[data-form='password'] input[type='password']")[1].Change("new-Password-22");
        page.FindAll("form[data-form='password'] input[type='password']")[2].Change("new-Password-23");
        await page.Find("form[data-form='password']").SubmitAsync();

        Assert.Equal("The new passwords do not match.", page.Find("form[data-form='password'] .validation-errors li").TextContent);
        Assert.Empty(_writes);
    }

    [Fact]
    public async Task A_wrong_current_password_is_said_beside_the_form()
    {
        _passwordAnswer = Results.Problem(statusCode: 403, detail: "The current password is not right; the password was not changed.");
        var page = RenderSettings();

        page.FindAll("form[data-form='password'] input[type='password']")[0].Change("wrong-Password-1");
        page.FindAll("form[data-form='password'] input[type='password']")[1].Change("new-Password-22");
        page.FindAll("form[data-form='password'] input[type='password']")[2].Change("new-Password-22");
        await page.Find("form[data-form='password']").SubmitAsync();

        page.WaitForAssertion(() => Assert.Equal("The current password is not right; the password was not changed.",
            page.Find("form[data-form='password'] .validation-errors li").TextContent), TimeSpan.FromSeconds(10));
        Assert.Empty(page.FindAll(".banner-error"));
    }
}
