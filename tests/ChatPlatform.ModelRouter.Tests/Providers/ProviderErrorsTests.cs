using System.Net;
using System.Net.Sockets;
using ChatPlatform.ModelRouter.Model;
using ChatPlatform.ModelRouter.Providers;

namespace ChatPlatform.ModelRouter.Tests.Providers;

public sealed class ProviderErrorsTests
{
    [Theory]
    [InlineData(400, false)]
    [InlineData(401, false)]
    [InlineData(403, false)]
    [InlineData(404, false)]
    [InlineData(422, false)]
    [InlineData(408, true)]
    [InlineData(409, true)]
    [InlineData(429, true)]
    [InlineData(500, true)]
    [InlineData(503, true)]
    [InlineData(529, true)]
    public void Statuses_are_transient_only_when_another_attempt_may_succeed(int status, bool transient)
    {
        var error = ProviderErrors.FromResponse(status, headers: null, "{\"error\":{\"message\":\"nope\"}}", ProviderKind.OpenAI);

        Assert.Equal(status, error.StatusCode);
        Assert.Equal(transient, error.IsTransient);
        Assert.Contains("nope", error.Message);
    }

    [Fact]
    public void Connection_failures_are_transient_without_a_status()
    {
        var refused = new HttpRequestException("Connection refused", new SocketException((int)SocketError.ConnectionRefused));

        foreach (var exception in new Exception[] { refused, new IOException("reset"), new TimeoutException() })
        {
            var error = ProviderErrors.Classify(exception, ProviderKind.Anthropic);
            Assert.True(error.IsTransient);
            Assert.Null(error.StatusCode);
            Assert.Same(exception, error.InnerException);
        }
    }

    [Fact]
    public void An_http_status_on_a_request_exception_is_kept()
    {
        var error = ProviderErrors.Classify(new HttpRequestException("Unauthorized", null, HttpStatusCode.Unauthorized), ProviderKind.OpenAI);

        Assert.Equal(401, error.StatusCode);
        Assert.False(error.IsTransient);
    }

    [Fact]
    public void A_provider_exception_passes_through_unchanged()
    {
        var original = new ProviderException("already classified", 429, isTransient: true, TimeSpan.FromSeconds(2));

        Assert.Same(original, ProviderErrors.Classify(original, ProviderKind.Simulator));
    }

    [Fact]
    public void Anything_shaped_like_a_key_is_masked()
    {
        var error = ProviderErrors.FromResponse(
            401, headers: null, "{\"error\":{\"message\":\"Incorrect API key provided: sk-proj-abc123def456. Find your key at ...\"}}", ProviderKind.OpenAI);

        Assert.DoesNotContain("abc123def456", error.Message);
        Assert.Contains("Incorrect API key provided", error.Message);
    }

    [Fact]
    public void Retry_after_is_read_as_seconds_or_as_a_date()
    {
        var now = new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

        Assert.Equal(TimeSpan.FromSeconds(30), ProviderErrors.ParseRetryAfter("30", now));
        Assert.Equal(TimeSpan.FromSeconds(90), ProviderErrors.ParseRetryAfter("Thu, 01 Jan 2026 12:01:30 GMT", now));
        Assert.Null(ProviderErrors.ParseRetryAfter("soon", now));
        Assert.Null(ProviderErrors.ParseRetryAfter(null, now));
    }
}
