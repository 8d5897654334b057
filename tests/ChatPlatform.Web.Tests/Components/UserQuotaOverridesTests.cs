using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Bunit;
using ChatPlatform.Web.Components.Pages.Admin;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace ChatPlatform.Web.Tests.Components;

/// <summary>The admin Users page's quota overrides, edited in place against a fake gateway's admin API.</summary>
public sealed class UserQuotaOverridesTests : FakeGatewayContext
{
    private static readonly Guid Ann = Guid.NewGuid();
    private static readonly Guid Bob = Guid.NewGuid();
    private readonly ConcurrentQueue<(Guid User, JsonNode? Body)> _puts = new();
    private IResult? _putAnswer;
    private int _getStatus = StatusCodes.Status200OK;

    protected override void MapGateway(IEndpointRouteBuilder gateway)
    {
        gateway.MapGet("/v1/admin/users", () => Results.Text($$"""
            {"items":[
              {"id":"{{Ann}}","email":"ann@example.com","role":"user","tier":"free","disabled":false,"disabledAt":null,"createdAt":"2026-11-01T00:00:00Z"},
              {"id":"{{Bob}}","email":"bob@example.com","role":"user","tier":"pro","disabled":false,"disabledAt":null,"createdAt":"2026-11-02T00:00:00Z"}],
             "next":null}
            """, "application/json"));
        gateway.MapGet("/v1/admin/users/{id:guid}/quotas", (Guid id) => _getStatus != StatusCodes.Status200OK
            ? Results.Problem(statusCode: _getStatus, detail: "Only admins may do this.")
            : Results.Text(id == Ann
                ? """{"overrides":{"daily":{"tokens":100000,"costUsd":null},"monthly":{"tokens":null,"costUsd":25.5}}}"""
                : """{"overrides":{"daily":{"tokens":null,"costUsd":null},"monthly":{"tokens":null,"costUsd":null}}}""", "application/json"));
        gateway.MapPut("/v1/admin/users/{id:guid}/quotas", async (Guid id, HttpContext context) =>
        {
            var body = await JsonNode.ParseAsync(context.Request.Body);
            _puts.Enqueue((id, body));
            return _putAnswer ?? Results.Text(body!.ToJsonString(), "application/json");
        });
    }

    private IRenderedComponent<Users> OpenQuotasOf(Guid user)
    {
        var page = Render<Users>();
        page.WaitForAssertion(() => Assert.Equal("true", page.Find("main").GetAttribute("data-ready")), TimeSpan.FromSeconds(10));
        page.Find($"tr[data-user-id='{user}'] button[aria-controls='quotas-{user}']").Click();
        page.WaitForAssertion(() => Assert.NotEmpty(page.FindAll($"tr[data-quotas-of='{user}'] input")), TimeSpan.FromSeconds(10));
        return page;
    }

    private static string Field(IRenderedComponent<Users> page, string name) => page.Find($"input[name='{name}']").GetAttribute("value") ?? "";

    [Fact]
    public async Task The_editor_shows_the_users_overrides_and_saves_all_four_with_blanks_as_the_tiers_value()
    {
        var page = OpenQuotasOf(Ann);

        var button = page.Find($"button[aria-controls='quotas-{Ann}']");
        Assert.Equal("true", button.GetAttribute("aria-expanded"));
        Assert.Equal(["100000", "", "", "25.5"], new[] { "daily.tokens", "daily.costUsd", "monthly.tokens", "monthly.costUsd" }.Select(n => Field(page, n)));
        Assert.Contains("blank: the free tier's value", page.Find("legend").TextContent);

        page.Find("input[name='daily.tokens']").Change("");
        page.Find("input[name='daily.costUsd']").Change(" 2.50 ");
        page.Find("input[name='monthly.tokens']").Change("5000000");
        await page.Find("form.quota-overrides").SubmitAsync();

        page.WaitForAssertion(() => Assert.Equal("Saved the quotas of ann@example.com.", page.Find(".admin-notice").TextContent), TimeSpan.FromSeconds(10));
        var (user, body) = Assert.Single(_puts);
        Assert.Equal(Ann, user);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""
            {"overrides":{"daily":{"tokens":null,"costUsd":2.50},"monthly":{"tokens":5000000,"costUsd":25.5}}}
            """), body), body?.ToJsonString());
        Assert.Empty(page.FindAll("tr.quota-overrides-row"));
    }

    [Theory]
    [InlineData("monthly.tokens", "-5", "A whole number of tokens, 0 or more.")]
    [InlineData("monthly.tokens", "1.5", "A whole number of tokens, 0 or more.")]
    [InlineData("daily.costUsd", "abc", "A dollar amount of 0 or more, like 2.50.")]
    [InlineData("daily.costUsd", "-1", "A dollar amount of 0 or more, like 2.50.")]
    public async Task A_bad_value_is_marked_in_place_and_nothing_is_sent(string name, string value, string error)
    {
        var page = OpenQuotasOf(Bob);

        page.Find($"input[name='{name}']").Change(value);
        await page.Find("form.quota-overrides").SubmitAsync();

        var input = page.Find($"input[name='{name}']");
        Assert.Equal("true", input.GetAttribute("aria-invalid"));
        Assert.Equal(error, page.Find($"#{input.GetAttribute("aria-describedby")}").TextContent);
        Assert.Contains("Fix the marked limits", page.Find("tr.quota-overrides-row [role='alert']").TextContent);
        Assert.Empty(_puts);
    }

    [Fact]
    public async Task The_gateways_400_is_shown_next_to_the_field_it_names_and_the_editor_stays_open()
    {
        _putAnswer = Results.ValidationProblem(new Dictionary<string, string[]>
        {
            ["overrides.monthly.costUsd"] = ["The monthly cost may be at most $10,000."],
        });
        var page = OpenQuotasOf(Bob);

        page.Find("input[name='monthly.costUsd']").Change("50000");
        await page.Find("form.quota-overrides").SubmitAsync();

        page.WaitForAssertion(() => Assert.Equal("true", page.Find("input[name='monthly.costUsd']").GetAttribute("aria-invalid")), TimeSpan.FromSeconds(10));
        var input = page.Find("input[name='monthly.costUsd']");
        Assert.Equal("The monthly cost may be at most $10,000.", page.Find($"#{input.GetAttribute("aria-describedby")}").TextContent);
        Assert.Equal("false", page.Find("input[name='daily.tokens']").GetAttribute("aria-invalid"));
        Assert.Equal("The monthly cost may be at most $10,000.", page.Find("tr.quota-overrides-row [role='alert'] span").TextContent);
        Assert.Equal("50000", input.GetAttribute("value"));
        Assert.Empty(page.FindAll(".admin-notice"));
        Assert.Single(_puts);
    }

    [Fact]
    public void A_non_admin_sees_the_refusal_in_place_and_cannot_save()
    {
        _getStatus = StatusCodes.Status403Forbidden;

        var page = Render<Users>();
        page.WaitForAssertion(() => Assert.Equal("true", page.Find("main").GetAttribute("data-ready")), TimeSpan.FromSeconds(10));
        page.Find($"button[aria-controls='quotas-{Ann}']").Click();

        page.WaitForAssertion(() => Assert.Equal("Only admins can change quotas.", page.Find("tr.quota-overrides-row [role='alert'] span").TextContent),
            TimeSpan.FromSeconds(10));
        Assert.True(page.Find("tr.quota-overrides-row fieldset").HasAttribute("disabled"));
        Assert.True(page.Find("tr.quota-overrides-row button[type='submit']").HasAttribute("disabled"));
        Assert.Empty(_puts);
    }

    [Fact]
    public void Cancel_closes_the_editor_without_saving()
    {
        var page = OpenQuotasOf(Ann);

        page.Find("input[name='daily.tokens']").Change("1");
        page.Find("tr.quota-overrides-row button.secondary").Click();

        // The editor closes on the render after the click, which may come a moment later.
        page.WaitForAssertion(() => Assert.Empty(page.FindAll("tr.quota-overrides-row")), TimeSpan.FromSeconds(10));
        Assert.Equal("false", page.Find($"button[aria-controls='quotas-{Ann}']").GetAttribute("aria-expanded"));
        Assert.Empty(_puts);
    }
}
