using System.Net;
using ChatPlatform.Web.Extensions;
using ChatPlatform.Web.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ChatPlatform.Web.Tests.Extensions;

/// <summary>
/// The gateway's 429 (one person's rate limit or quota) through the web's clients, with the resilience pipeline every
/// client gets from the service defaults: answered at once, and never a failure of the circuit all people share.
/// </summary>
public sealed class GatewayClientsTests
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(GatewayClient.HttpClientName)]
    [InlineData(nameof(GatewayAuthClient))]
    public async Task A_429_is_answered_at_once_without_waiting_out_its_retry_after(string clientName)
    {
        var gateway = new CountingHandler(HttpStatusCode.TooManyRequests);
        using var services = Services(gateway, clientName);

        using var response = await services.GetRequiredService<IHttpClientFactory>().CreateClient(clientName)
            .GetAsync("/v1/conversations", Cancellation);

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal(1, gateway.Calls);
    }

    [Fact]
    public async Task Many_429s_do_not_open_the_circuit_for_the_next_person()
    {
        var gateway = new CountingHandler(HttpStatusCode.TooManyRequests);
        using var services = Services(gateway, GatewayClient.HttpClientName);
        var client = services.GetRequiredService<IHttpClientFactory>().CreateClient(GatewayClient.HttpClientName);

        // More than the standard breaker's minimum throughput (100 in its 30 s window), all refused (POSTs: never retried).
        for (var i = 0; i < 150; i++)
        {
            using var refused = await client.PostAsync("/v1/conversations", null, Cancellation);
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        }
        gateway.Status = HttpStatusCode.OK;

        using var next = await client.GetAsync("/v1/models", Cancellation);
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
    }

    [Fact]
    public async Task A_503_is_still_retried()
    {
        var gateway = new CountingHandler(HttpStatusCode.ServiceUnavailable) { RetryAfter = null };
        using var services = Services(gateway, GatewayClient.HttpClientName);
        gateway.AfterFirstCall = HttpStatusCode.OK;

        using var response = await services.GetRequiredService<IHttpClientFactory>().CreateClient(GatewayClient.HttpClientName)
            .GetAsync("/v1/models", Cancellation);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, gateway.Calls);
    }

    private static ServiceProvider Services(CountingHandler gateway, string clientName)
    {
        var services = new ServiceCollection();
        // As ServiceDefaults does for every client of every service.
        services.ConfigureHttpClientDefaults(http => http.AddDefaultResilienceHandler());
        services.AddGatewayClients();
        services.AddHttpClient(clientName).ConfigurePrimaryHttpMessageHandler(() => gateway);
        return services.BuildServiceProvider();
    }

    private sealed class CountingHandler(HttpStatusCode status) : HttpMessageHandler
    {
        private int _calls;

        public int Calls => _calls;

        public HttpStatusCode Status { get; set; } = status;

        public HttpStatusCode? AfterFirstCall { get; set; }

        public TimeSpan? RetryAfter { get; init; } = TimeSpan.FromSeconds(1);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var call = Interlocked.Increment(ref _calls);
            var status = call > 1 && AfterFirstCall is { } later ? later : Status;
            var response = new HttpResponseMessage(status) { RequestMessage = request };
            if (status == HttpStatusCode.TooManyRequests && RetryAfter is { } delay)
            {
                response.Headers.RetryAfter = new(delay);
            }
            return Task.FromResult(response);
        }
    }
}
