using System.Collections.Concurrent;
using Bunit;
using ChatPlatform.Web.Components.Pages;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace ChatPlatform.Web.Tests.Components;

/// <summary>The two-factor settings page against a fake gateway that keeps one person's enrolment.</summary>
public sealed class TwoFactorSettingsTests : FakeGatewayContext
{
    private const string Secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
    private readonly ConcurrentQueue<string> _calls = new();
    private bool _enabled;

    protected override void MapGateway(IEndpointRouteBuilder gateway)
    {
        gateway.MapGet("/v1/me/two-factor", () => Results.Json(new { enabled = _enabled, recoveryCodesLeft = _enabled ? 10 : 0 }));
        gateway.MapPost("/v1/me/two-factor/setup", () =>
        {
            _calls.Enqueue("setup");
            return Results.Json(new { secret = Secret, uri = $"otpauth://totp/ChatPlatform:a%40example.com?secret={Secret}&issuer=ChatPlatform" });
        });
        gateway.MapPost("/v1/me/two-factor/enable", (CodeBody body) =>
        {
            _calls.Enqueue($"enable {body.Code}");
            if (body.Code != "123456")
            {
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["code"] = ["The code is not right."] });
            }
            _enabled = true;
            return Results.Json(new { codes = Enumerable.Range(1, 10).Select(i => $"CODE-{i:D4}") });
        });
        gateway.MapPost("/v1/me/two-factor/disable", (DisableBody body) =>
        {
            _calls.Enqueue($"disable {body.Password} {body.Code}");
            _enabled = false;
            return Results.NoContent();
        });
    }

    private sealed record CodeBody(string? Code);

    private sealed record DisableBody(string? Password, string? Code);

    private IRenderedComponent<TwoFactorSettings> RenderPage()
    {
        var page = Render<TwoFactorSettings>();
        page.WaitForAssertion(() => Assert.Equal("true", page.Find("main.two-factor-page").GetAttribute("data-ready")), TimeSpan.FromSeconds(10));
        return page;
    }

    [Fact]
    public void Enrolling_shows_the_key_link_and_QR_code_then_the_recovery_codes_once()
    {
        var page = RenderPage();

        page.Find("button.primary").Click();
        page.WaitForAssertion(() => Assert.Equal(Secret, page.Find("#two-factor-key").TextContent), TimeSpan.FromSeconds(10));
        Assert.StartsWith("otpauth://totp/", page.Find("#two-factor-uri").TextContent);
        Assert.StartsWith("data:image/png;base64,", page.Find("img.qr").GetAttribute("src"));
        page.Find("input[inputmode='numeric']").Change("000000");
        page.Find("form").Submit();
        page.WaitForAssertion(() => Assert.Equal("The code is not right.", page.Find("[role='alert']").TextContent), TimeSpan.FromSeconds(10));
        page.Find("input[inputmode='numeric']").Change("123456");
        page.Find("form").Submit();
        page.WaitForAssertion(() => Assert.Equal(10, page.FindAll(".recovery-codes li").Count), TimeSpan.FromSeconds(10));
        Assert.Equal("CODE-0001", page.Find(".recovery-codes li code").TextContent);
        page.FindAll("button").Single(b => b.TextContent == "I have saved them").Click();

        page.WaitForAssertion(() => Assert.Empty(page.FindAll(".recovery-codes")), TimeSpan.FromSeconds(10));
        Assert.Contains("10 of 10 recovery codes left", page.Markup, StringComparison.Ordinal);
        Assert.Equal(["setup", "enable 000000", "enable 123456"], _calls.ToArray());
    }

    [Fact]
    public void Turning_it_off_sends_the_password_and_the_code()
    {
        _enabled = true;
        var page = RenderPage();

        page.Find("input[type='password']").Change("correct-Horse-battery");
        page.Find("input[inputmode='numeric']").Change("654321");
        page.Find("form").Submit();

        page.WaitForAssertion(() => Assert.Equal("Off", page.Find("#off-title").TextContent), TimeSpan.FromSeconds(10));
        Assert.Equal(["disable correct-Horse-battery 654321"], _calls.ToArray());
    }
}
