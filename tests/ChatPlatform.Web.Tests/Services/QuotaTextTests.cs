using ChatPlatform.Web.Services;

namespace ChatPlatform.Web.Tests.Services;

public sealed class QuotaTextTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 19, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(5 * 60, "resets in 5 h")]
    [InlineData(5 * 60 + 59, "resets in 5 h")]
    [InlineData(60, "resets in 1 h")]
    [InlineData(59, "resets in 59 min")]
    [InlineData(0, "resets now")]
    public void Within_a_day_the_reset_is_relative(int minutes, string expected) =>
        Assert.Equal(expected, QuotaText.ResetsText(Now.AddMinutes(minutes), Now, TimeSpan.Zero));

    [Fact]
    public void Under_a_minute_is_a_minute_not_zero() =>
        Assert.Equal("resets in 1 min", QuotaText.ResetsText(Now.AddSeconds(10), Now, TimeSpan.Zero));

    [Fact]
    public void Further_off_the_reset_is_a_date_and_time_at_the_persons_offset()
    {
        var firstOfJanuary = new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero);

        Assert.Equal("resets on 1 Jan at 00:00", QuotaText.ResetsText(firstOfJanuary, Now, TimeSpan.Zero));
        Assert.Equal("resets on 31 Dec at 19:00", QuotaText.ResetsText(firstOfJanuary, Now, TimeSpan.FromHours(-5)));
        Assert.Equal("1 Jan 2027, 05:30", QuotaText.LocalTime(firstOfJanuary, TimeSpan.FromHours(5.5)));
    }

    [Theory]
    [InlineData("daily-cost", null, "Daily cost")]
    [InlineData("monthly-tokens", null, "Monthly tokens")]
    [InlineData("model-daily-tokens", "gpt-big", "Daily tokens on gpt-big")]
    [InlineData("model-requests", "gpt-big", "Requests on gpt-big")]
    [InlineData("something-new", null, "something-new")]
    public void Quota_names_read_as_words(string name, string? model, string expected) =>
        Assert.Equal(expected, QuotaText.TitleOf(name, model));

    [Theory]
    [InlineData("0.42", "usd", "$0.42")]
    [InlineData("1234.5", "usd", "$1,234.50")]
    [InlineData("0.004", "usd", "< $0.01")]
    [InlineData("0", "usd", "$0.00")]
    [InlineData("1500000", "tokens", "1,500,000 tokens")]
    [InlineData("20", "requests", "20")]
    public void Amounts_are_shown_in_their_unit(string value, string unit, string expected) =>
        Assert.Equal(expected, QuotaText.Amount(decimal.Parse(value, System.Globalization.CultureInfo.InvariantCulture), unit));
}
