using System.Buffers.Binary;
using System.Security.Cryptography;
using static Microsoft.Playwright.Assertions;

namespace ChatPlatform.Web.Tests.Browser;

/// <summary>
/// Enrolling an authenticator app and signing in with it, as a person would. The test is the authenticator: it reads the
/// key off the page and computes the codes (RFC 6238: HMAC-SHA1, 30 s, 6 digits) with its own few lines.
/// </summary>
public sealed class TwoFactorTests(BrowserPlatform platform)
{
    [Fact]
    public async Task Enrolling_then_signing_in_asks_for_the_code_after_the_password()
    {
        var page = await platform.NewPageAsync();
        var account = TestAccount.New();
        await page.SignUpAsync(account);

        await page.GotoAsync("settings/two-factor");
        await page.Locator(".two-factor-page[data-ready='true']").WaitForAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Set up an authenticator app" }).ClickAsync();
        var key = await page.Locator("#two-factor-key").TextContentAsync();
        await Expect(page.Locator("#two-factor-uri")).ToContainTextAsync($"secret={key}");
        await Expect(page.GetByAltText("QR code of the key")).ToBeVisibleAsync();
        var secret = Base32Decode(key!);
        await page.GetByLabel("Code from the app").FillAsync(CodeAt(secret, 0));
        await page.GetByRole(AriaRole.Button, new() { Name = "Turn on" }).ClickAsync();
        await Expect(page.Locator(".recovery-codes li")).ToHaveCountAsync(10);
        await page.GetByRole(AriaRole.Button, new() { Name = "Copy codes" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Copied" })).ToBeVisibleAsync();
        var copied = await page.EvaluateAsync<string>("navigator.clipboard.readText()");
        Assert.Equal(await page.Locator(".recovery-codes li").AllTextContentsAsync(), copied.Split('\n'));
        await page.GetByRole(AriaRole.Button, new() { Name = "I have saved them" }).ClickAsync();
        await Expect(page.Locator("#on-title")).ToHaveTextAsync("On");

        var other = await platform.NewPageAsync();
        await other.GotoAsync("signin");
        await other.GetByLabel("Email").FillAsync(account.Email);
        await other.GetByLabel("Password").FillAsync(account.Password);
        await other.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(other.GetByRole(AriaRole.Heading, new() { Name = "Two-factor sign-in" })).ToBeVisibleAsync();
        var next = CodeAt(secret, 1);
        await other.GetByLabel("Code", new() { Exact = true }).FillAsync(next == "000000" ? "000001" : "000000");
        await other.GetByRole(AriaRole.Button, new() { Name = "Verify" }).ClickAsync();
        await Expect(other.GetByRole(AriaRole.Alert)).ToContainTextAsync("The code is not right");
        // The enrolment spent this step's code; the next step's is within the accepted drift.
        await other.GetByLabel("Code", new() { Exact = true }).FillAsync(next);
        await other.GetByRole(AriaRole.Button, new() { Name = "Verify" }).ClickAsync();
        await other.WaitForChatReadyAsync();

        await Expect(other.Locator(".user-email")).ToHaveTextAsync(account.Email);
    }

    private static string CodeAt(byte[] secret, int stepsFromNow)
    {
        var counter = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(counter, DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 30 + stepsFromNow);
        var mac = HMACSHA1.HashData(secret, counter);
        var offset = mac[^1] & 0x0f;
        var value = (BinaryPrimitives.ReadInt32BigEndian(mac.AsSpan(offset)) & 0x7fffffff) % 1_000_000;
        return value.ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
    }

    private static byte[] Base32Decode(string text)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var bits = string.Concat(text.Trim().TrimEnd('=').Select(c => Convert.ToString(alphabet.IndexOf(c, StringComparison.Ordinal), 2).PadLeft(5, '0')));
        return [.. Enumerable.Range(0, bits.Length / 8).Select(i => Convert.ToByte(bits.Substring(i * 8, 8), 2))];
    }
}
