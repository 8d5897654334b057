using System.Diagnostics;
using ChatPlatform.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Http.Resilience;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace ChatPlatform.ServiceDefaults.Tests;

/// <summary>The HTTP resilience every service gets, against a real server that fails on purpose.</summary>
public sealed class ResilienceTests
{
    /// <summary>Answers each request with the next status in the script (the last one repeats) and records attempts.</summary>
    private sealed class FailingEndpoint(params int[] statuses)
    {
        private int _attempts;
        public ConcurrentTimes Times { get; } = new();
        public int Attempts => Volatile.Read(ref _attempts);

        public IResult Handle(HttpContext context)
        {
            var attempt = Interlocked.Increment(ref _attempts);
            Times.Add(Stopwatch.GetTimestamp());
            var status = statuses[Math.Min(attempt, statuses.Length) - 1];
            if (status == StatusCodes.Status429TooManyRequests)
            {
                context.Response.Headers.RetryAfter = "1";
            }
            return Results.StatusCode(status);
        }
    }

    private sealed class ConcurrentTimes
    {
        private readonly List<long> _times = [];
        public void Add(long t) { lock (_times) { _times.Add(t); } }
        public TimeSpan Between(int first, int second) { lock (_times) { return Stopwatch.GetElapsedTime(_times[first], _times[second]); } }
    }

    private static (IHost Host, HttpClient Client) BuildClient(Uri baseAddress, Action<IHttpClientBuilder>? configure = null,
        Action<HttpStandardResilienceOptions>? standard = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.AddServiceDefaults();
        if (standard is not null)
        {
            builder.Services.ConfigureAll(standard);
        }
        var client = builder.Services.AddHttpClient("downstream", c => c.BaseAddress = baseAddress);
        configure?.Invoke(client);
        var host = builder.Build();
        return (host, host.Services.GetRequiredService<IHttpClientFactory>().CreateClient("downstream"));
    }

    // Short backoff so tests take milliseconds; the strategy is the same.
    private static void FastRetries(HttpStandardResilienceOptions options) => options.Retry.Delay = TimeSpan.FromMilliseconds(10);

    [Fact]
    public async Task Transient_failures_on_a_GET_are_retried_until_it_succeeds()
    {
        var ct = TestContext.Current.CancellationToken;
        var endpoint = new FailingEndpoint(503, 500, 200);
        await using var server = await LoopbackHttpServer.StartAsync(app => app.MapGet("/items", endpoint.Handle), ct);
        var (host, client) = BuildClient(server.BaseAddress, standard: FastRetries);
        using var _ = host;

        using var response = await client.GetAsync(new Uri("/items", UriKind.Relative), ct);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal(3, endpoint.Attempts);
    }

    [Fact]
    public async Task Retry_after_from_a_429_is_waited_before_the_next_attempt()
    {
        var ct = TestContext.Current.CancellationToken;
        var endpoint = new FailingEndpoint(429, 200);
        await using var server = await LoopbackHttpServer.StartAsync(app => app.MapGet("/items", endpoint.Handle), ct);
        var (host, client) = BuildClient(server.BaseAddress, standard: FastRetries);
        using var _ = host;

        using var response = await client.GetAsync(new Uri("/items", UriKind.Relative), ct);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal(2, endpoint.Attempts);
        Assert.True(endpoint.Times.Between(0, 1) >= TimeSpan.FromMilliseconds(900), $"retried after {endpoint.Times.Between(0, 1)}");
    }

    [Fact]
    public async Task A_POST_is_never_repeated_after_a_server_error()
    {
        var ct = TestContext.Current.CancellationToken;
        var endpoint = new FailingEndpoint(503);
        await using var server = await LoopbackHttpServer.StartAsync(app => app.MapPost("/items", endpoint.Handle), ct);
        var (host, client) = BuildClient(server.BaseAddress, standard: FastRetries);
        using var _ = host;

        using var response = await client.PostAsync(new Uri("/items", UriKind.Relative), new StringContent("{}"), ct);

        Assert.Equal(503, (int)response.StatusCode);
        Assert.Equal(1, endpoint.Attempts);
    }

    [Fact]
    public async Task Client_errors_are_not_retried()
    {
        var ct = TestContext.Current.CancellationToken;
        var endpoint = new FailingEndpoint(400, 200);
        await using var server = await LoopbackHttpServer.StartAsync(app => app.MapGet("/items", endpoint.Handle), ct);
        var (host, client) = BuildClient(server.BaseAddress, standard: FastRetries);
        using var _ = host;

        using var response = await client.GetAsync(new Uri("/items", UriKind.Relative), ct);

        Assert.Equal(400, (int)response.StatusCode);
        Assert.Equal(1, endpoint.Attempts);
    }

    [Fact]
    public async Task Circuit_opens_after_repeated_failures_and_stops_calling_the_server()
    {
        var ct = TestContext.Current.CancellationToken;
        var endpoint = new FailingEndpoint(500);
        await using var server = await LoopbackHttpServer.StartAsync(app => app.MapGet("/items", endpoint.Handle), ct);
        var (host, client) = BuildClient(server.BaseAddress, standard: options =>
        {
            FastRetries(options);
            options.Retry.MaxRetryAttempts = 1;
            options.CircuitBreaker.MinimumThroughput = 4;
            options.CircuitBreaker.FailureRatio = 0.5;
            options.CircuitBreaker.BreakDuration = TimeSpan.FromSeconds(30);
        });
        using var _ = host;

        var opened = false;
        for (var i = 0; i < 10 && !opened; i++)
        {
            try
            {
                using var response = await client.GetAsync(new Uri("/items", UriKind.Relative), ct);
            }
            catch (BrokenCircuitException)
            {
                opened = true;
            }
        }
        var attemptsWhenOpened = endpoint.Attempts;
        await Assert.ThrowsAsync<BrokenCircuitException>(() => client.GetAsync(new Uri("/items", UriKind.Relative), ct));

        Assert.True(opened);
        Assert.Equal(attemptsWhenOpened, endpoint.Attempts);
    }

    [Fact]
    public async Task A_streamed_body_may_last_longer_than_the_wait_for_its_headers()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await LoopbackHttpServer.StartAsync(app => app.MapGet("/stream", async (HttpContext context) =>
        {
            context.Response.ContentType = "text/event-stream";
            await context.Response.Body.FlushAsync(context.RequestAborted);
            for (var i = 0; i < 8; i++)
            {
                await context.Response.WriteAsync($"data: {i}\n\n", context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
                await Task.Delay(500, context.RequestAborted);
            }
        }), ct);
        // Headers come at once; the body takes twice the bound on the wait for them.
        var (host, client) = BuildClient(server.BaseAddress, c => c.AddStreamingResilienceHandler(TimeSpan.FromSeconds(2)));
        using var _ = host;

        using var response = await client.GetAsync(new Uri("/stream", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead, ct);
        var body = await response.Content.ReadAsStringAsync(ct);

        Assert.Equal(8, body.Split("data: ").Length - 1);
    }

    [Fact]
    public async Task A_stream_whose_headers_do_not_come_in_time_is_abandoned()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await LoopbackHttpServer.StartAsync(
            app => app.MapGet("/stream", async (HttpContext context) => await Task.Delay(TimeSpan.FromSeconds(10), context.RequestAborted)), ct);
        var (host, client) = BuildClient(server.BaseAddress, c => c.AddStreamingResilienceHandler(TimeSpan.FromMilliseconds(300)));
        using var _ = host;

        await Assert.ThrowsAsync<TimeoutRejectedException>(
            () => client.GetAsync(new Uri("/stream", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead, ct));
    }

    [Fact]
    public async Task A_streaming_POST_is_not_repeated_after_a_server_error()
    {
        var ct = TestContext.Current.CancellationToken;
        var endpoint = new FailingEndpoint(503, 200);
        await using var server = await LoopbackHttpServer.StartAsync(app => app.MapPost("/stream", endpoint.Handle), ct);
        var (host, client) = BuildClient(server.BaseAddress, c => c.AddStreamingResilienceHandler(TimeSpan.FromSeconds(5)));
        using var _ = host;

        using var response = await client.PostAsync(new Uri("/stream", UriKind.Relative), new StringContent("{}"), ct);

        Assert.Equal(503, (int)response.StatusCode);
        Assert.Equal(1, endpoint.Attempts);
    }
}
