using System.Net;
using System.Net.Http.Headers;
using System.Text;
using ChatPlatform.Web.Infrastructure;

namespace ChatPlatform.Web.Tests.Infrastructure;

public sealed class GatewayExceptionTests
{
    private static HttpResponseMessage Answer(HttpStatusCode status, string body, string mediaType = "application/problem+json") =>
        new(status) { Content = new StringContent(body, Encoding.UTF8, mediaType) };

    [Fact]
    public async Task Validation_problems_keep_their_field_errors()
    {
        using var response = Answer(HttpStatusCode.BadRequest,
            """{"title":"One or more validation errors occurred.","status":400,"errors":{"password":["The password must be at least 10 characters."]}}""");

        var error = await GatewayException.FromResponseAsync(response, TestContext.Current.CancellationToken);

        Assert.Equal(400, error.Status);
        Assert.Equal(["The password must be at least 10 characters."], error.Errors["password"]);
        Assert.Equal("The password must be at least 10 characters.", error.Message);
    }

    [Fact]
    public async Task A_rate_limit_keeps_its_detail_and_retry_after()
    {
        using var response = Answer(HttpStatusCode.TooManyRequests, """{"title":"Too Many Requests","status":429,"detail":"Try again in 12 seconds."}""");
        response.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(12));

        var error = await GatewayException.FromResponseAsync(response, TestContext.Current.CancellationToken);

        Assert.Equal("Try again in 12 seconds.", error.Message);
        Assert.Equal(TimeSpan.FromSeconds(12), error.RetryAfter);
    }

    [Fact]
    public async Task An_answer_that_is_not_problem_details_gets_a_sentence_for_its_status()
    {
        using var response = Answer(HttpStatusCode.BadGateway, "<html>proxy error</html>", "text/html");

        var error = await GatewayException.FromResponseAsync(response, TestContext.Current.CancellationToken);

        Assert.Equal(502, error.Status);
        Assert.Equal("The service had a problem. Try again.", error.Message);
    }
}
