using ChatPlatform.Web.Components.Account;
using ChatPlatform.Web.Components.Pages;

namespace ChatPlatform.Web.Tests.Components;

public sealed class AccountFormTests
{
    [Theory]
    [InlineData("/c/123", "/c/123")]
    [InlineData("/", "/")]
    [InlineData(null, "/")]
    [InlineData("https://evil.example/", "/")]
    [InlineData("//evil.example/", "/")]
    [InlineData("/\\evil.example/", "/")]
    [InlineData("/signin?returnUrl=/", "/")]
    public void Only_local_return_urls_are_followed(string? returnUrl, string expected) =>
        Assert.Equal(expected, AccountForm.SafeReturnUrl(returnUrl));

    [Fact]
    public void A_token_that_may_only_enrol_two_factor_lands_on_the_two_factor_page()
    {
        static string Token(string payload) =>
            $"eyJhbGciOiJIUzI1NiJ9.{Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(payload)).TrimEnd('=').Replace('+', '-').Replace('/', '_')}.sig";

        Assert.Equal("/settings/two-factor", AccountForm.LandingUrl(Token("""{"sub":"1","2fa_enrol":"required"}"""), "/c/123"));
        Assert.Equal("/c/123", AccountForm.LandingUrl(Token("""{"sub":"1"}"""), "/c/123"));
        Assert.Equal("/", AccountForm.LandingUrl("not-a-jwt", null));
        Assert.Equal("/", AccountForm.LandingUrl("a.!!!.c", null));
    }

    [Theory]
    [InlineData("  Plan a trip \nwith details", "Plan a trip")]
    [InlineData("short", "short")]
    public void A_new_conversation_is_titled_by_its_first_line(string message, string title) =>
        Assert.Equal(title, Chat.TitleFrom(message));

    [Fact]
    public void A_long_first_line_is_cut_with_an_ellipsis()
    {
        var title = Chat.TitleFrom(new string('a', 100));

        Assert.Equal(60, title.Length);
        Assert.EndsWith("…", title);
    }
}
