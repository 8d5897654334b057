using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace Microsoft.Extensions.Hosting;

public static class HttpClientResilienceExtensions
{
    /// <summary>
    /// Aspire's standard pipeline (total timeout, retries with jitter honouring Retry-After, circuit breaker, attempt
    /// timeout) except that unsafe methods are not retried: a repeated POST could record a message or a charge twice.
    /// </summary>
    public static IHttpClientBuilder AddDefaultResilienceHandler(this IHttpClientBuilder builder)
    {
        builder.AddStandardResilienceHandler(options => options.Retry.DisableForUnsafeHttpMethods());
        return builder;
    }

    /// <summary>
    /// For long-lived streamed responses (SSE): only the wait for the response headers is bounded, never the body,
    /// and a request is repeated only when the connection was refused, so nothing reached the server.
    /// </summary>
    public static IHttpClientBuilder AddStreamingResilienceHandler(this IHttpClientBuilder builder, TimeSpan timeToHeaders)
    {
#pragma warning disable EXTEXP0001 // Experimental, but the documented way to replace the defaults' handler for one client.
        builder.RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        builder.ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan);
        builder.AddResilienceHandler("streaming", pipeline => pipeline
            .AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = 3,
                Delay = TimeSpan.FromMilliseconds(200),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = args => ValueTask.FromResult(IsConnectionRefused(args.Outcome.Exception)),
            })
            .AddTimeout(new HttpTimeoutStrategyOptions { Timeout = timeToHeaders }));
        return builder;
    }

    private static bool IsConnectionRefused(Exception? exception) =>
        exception is HttpRequestException { InnerException: SocketException { SocketErrorCode: SocketError.ConnectionRefused } };
}
