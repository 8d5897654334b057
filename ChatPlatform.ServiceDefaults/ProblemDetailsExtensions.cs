using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.Hosting;

public static class ProblemDetailsExtensions
{
    /// <summary>
    /// Every error is an RFC 9457 problem details body carrying the trace id. Bad input (malformed JSON, wrong types,
    /// oversized bodies) becomes a 4xx that says what was wrong; anything unexpected a 500 that reveals nothing.
    /// </summary>
    public static TBuilder AddProblemDetailsDefaults<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            var traceId = Activity.Current?.TraceId.ToString() ?? context.HttpContext.TraceIdentifier;
            context.ProblemDetails.Extensions.TryAdd("traceId", traceId);
        });
        builder.Services.AddExceptionHandler<ProblemDetailsExceptionHandler>();
        builder.Services.AddSingleton<IExceptionProblemMapper, UnstorableTextProblems>();
        // Minimal APIs report unreadable bodies as exceptions, so the handler below can say what was wrong.
        builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        return builder;
    }

    /// <summary>For APIs: errors and bare status codes answered as problem details. Call first after Build().</summary>
    public static WebApplication UseProblemDetails(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseStorableText();
        return app;
    }
}

internal sealed partial class ProblemDetailsExceptionHandler(
    IProblemDetailsService problemDetails, IEnumerable<IExceptionProblemMapper> mappers, ILogger<ProblemDetailsExceptionHandler> logger)
    : IExceptionHandler
{
    private readonly IExceptionProblemMapper[] _mappers = [.. mappers];

    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        var mapped = _mappers.Select(m => m.Map(exception)).FirstOrDefault(p => p is not null);
        var (status, detail) = exception switch
        {
            _ when mapped is not null => (mapped.Status, mapped.Detail),
            BadHttpRequestException bad => (bad.StatusCode, Describe(bad)),
            JsonException => (StatusCodes.Status400BadRequest, "The request body is not valid JSON."),
            OperationCanceledException when context.RequestAborted.IsCancellationRequested => (499, null),
            _ => (StatusCodes.Status500InternalServerError, null),
        };
        if (mapped is { Status: >= 500 })
        {
            // Expected when a dependency is down: one line, no stack trace per request.
            LogMapped(logger, context.Request.Method, context.Request.Path, status, exception.GetType().Name, exception.Message);
        }
        else if (status >= 500)
        {
            LogUnhandled(logger, exception, context.Request.Method, context.Request.Path);
        }
        if (context.Response.HasStarted || context.RequestAborted.IsCancellationRequested)
        {
            return true;
        }
        context.Response.StatusCode = status;
        if (mapped?.RetryAfter is { } retryAfter)
        {
            context.Response.Headers.RetryAfter = ((long)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        var problem = new ProblemDetails { Status = status, Title = ReasonPhrases.GetReasonPhrase(status), Detail = detail };
        if (mapped?.Errors is { } errors)
        {
            problem.Extensions["errors"] = errors;
        }
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem });
    }

    // The framework's message names the parameter and the problem; the inner JSON error adds where it is.
    private static string Describe(BadHttpRequestException exception) =>
        exception.InnerException is JsonException json
            ? $"{exception.Message} {json.Message}"
            : exception.Message;

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method} {Path} answered {Status}: {ExceptionType}: {ExceptionMessage}")]
    private static partial void LogMapped(ILogger logger, string method, string path, int status, string exceptionType, string exceptionMessage);

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled exception on {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string method, string path);
}
