using System.Net;
using System.Net.Http.Headers;
using System.Text;
using ChatPlatform.Web.Infrastructure;

namespace ChatPlatform.Web.Tests.Infrastructure;

/// <summary>A 429 over a quota is told apart from a plain rate limit where the gateway's problem details are read.</summary>
public sealed class GatewayExceptionQuotaTests
{
    private static HttpResponseMessage TooManyRequests(string body, int? retryAfterSeconds = null)
    {
        var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests) { Content = new StringContent(body, Encoding.UTF8, "application/problem+json") };
        if (retryAfterSeconds is { } seconds)
        {
            response.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(seconds));
        }
        return response;
    }

    [Fact]
    public async Task A_quota_refusal_names_its_quota_model_and_reset_and_keeps_the_detail_and_retry_after()
    {
        using var response = TooManyRequests("""
            {"type":"https://chatplatform.dev/problems/quota-exceeded","title":"Quota exceeded","status":429,
             "detail":"You have used your daily cost quota on gpt-big of $1.00. It resets at 00:00 UTC.",
             "quota":"model-daily-cost","model":"gpt-big","resetsAt":"2026-12-07T00:00:00Z"}
            """, retryAfterSeconds: 18000);

        var error = await GatewayException.FromResponseAsync(response, TestContext.Current.CancellationToken);

        Assert.Equal(429, error.Status);
        Assert.Equal("You have used your daily cost quota on gpt-big of $1.00. It resets at 00:00 UTC.", error.Message);
        Assert.Equal(new QuotaRefusal("model-daily-cost", "gpt-big", new DateTimeOffset(2026, 12, 7, 0, 0, 0, TimeSpan.Zero)), error.Quota);
        Assert.Equal(TimeSpan.FromHours(5), error.RetryAfter);
    }

    [Fact]
    public async Task The_problem_type_alone_marks_a_quota_refusal_and_an_unreadable_reset_is_left_out()
    {
        using var response = TooManyRequests("""
            {"type":"https://chatplatform.dev/problems/quota-exceeded","title":"Quota exceeded","status":429,"detail":"Over quota.","resetsAt":"soon"}
            """);

        var error = await GatewayException.FromResponseAsync(response, TestContext.Current.CancellationToken);

        Assert.Equal(new QuotaRefusal("quota", null, null), error.Quota);
    }

    [Fact]
    public async Task A_plain_rate_limit_is_no_quota_refusal()
    {
        using var response = TooManyRequests("""{"title":"Too Many Requests","status":429,"detail":"Try again in 12 seconds."}""", retryAfterSeconds: 12);

        var error = await GatewayException.FromResponseAsync(response, TestContext.Current.CancellationToken);

        Assert.Null(error.Quota);
        Assert.Equal("Try again in 12 seconds.", error.Message);
    }

    [Fact]
    public async Task A_quota_member_on_another_status_is_no_quota_refusal()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.BadRequest)
        {
            Content = new StringContent("""{"title":"Bad","status":400,"detail":"No.","quota":"daily-cost"}""", Encoding.UTF8, "application/problem+json"),
        };

        var error = await GatewayException.FromResponseAsync(response, TestContext.Current.CancellationToken);

        Assert.Null(error.Quota);
    }
}
