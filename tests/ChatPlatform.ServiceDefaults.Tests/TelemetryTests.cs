using System.Diagnostics;
using ChatPlatform.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Trace;

namespace ChatPlatform.ServiceDefaults.Tests;

public sealed class TelemetryTests
{
    [Fact]
    public async Task Requests_are_traced_but_health_probes_are_not()
    {
        var ct = TestContext.Current.CancellationToken;
        var exported = new List<Activity>();
        var service = await ServiceHost.StartAsync(
            builder => builder.Services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(exported)),
            app => app.MapGet("/hello", () => "hi"));

        await service.Client.GetStringAsync(new Uri("/health", UriKind.Relative), ct);
        await service.Client.GetStringAsync(new Uri("/alive", UriKind.Relative), ct);
        await service.Client.GetStringAsync(new Uri("/hello", UriKind.Relative), ct);
        await service.DisposeAsync(); // flushes the exporter

        var paths = exported.Where(a => a.Source.Name == "Microsoft.AspNetCore").Select(a => a.GetTagItem("url.path")).ToList();
        Assert.Contains("/hello", paths);
        Assert.DoesNotContain("/health", paths);
        Assert.DoesNotContain("/alive", paths);
    }

    [Fact]
    public async Task Traces_are_exported_over_otlp_when_an_endpoint_is_configured()
    {
        var ct = TestContext.Current.CancellationToken;
        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var collector = await LoopbackHttpServer.StartAsync(
            app => app.MapPost("/v1/traces", (HttpRequest request) =>
            {
                received.TrySetResult(request.ContentType ?? "");
                return Results.Ok();
            }), ct);
        var service = await ServiceHost.StartAsync(null, app => app.MapGet("/hello", () => "hi"), new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.BaseAddress.ToString().TrimEnd('/'),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        });

        await service.Client.GetStringAsync(new Uri("/hello", UriKind.Relative), ct);
        await service.DisposeAsync(); // flushes the exporter

        Assert.Equal("application/x-protobuf", await received.Task.WaitAsync(TimeSpan.FromSeconds(30), ct));
    }
}
