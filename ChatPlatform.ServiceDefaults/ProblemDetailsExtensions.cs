using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
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
        // After the framework's writer, which AddProblemDetails registered: used only when that one declines.
        builder.Services.AddSingleton<IProblemDetailsWriter, AnyAcceptProblemDetailsWriter>();
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
        app.Use(RefuseUnknownCharsetAsync);
        app.UseStorableText();
        return app;
    }

    // JSON is UTF-8 (RFC 8259). Any other charset makes the framework transcode the body, and a transcoding reader fails
    // with a 500 on an unknown name, an empty one, a byte-order mark or a cut body. So a UTF-8 charset, however written
    // ("utf-8", "UTF8", quoted), is rewritten as the plain one the reader takes as its default, an empty one is dropped,
    // and any other is refused here, before the gateway forwards it or a service reads it.
    private static Task RefuseUnknownCharsetAsync(HttpContext context, RequestDelegate next)
    {
        if (!MediaTypeHeaderValue.TryParse(context.Request.ContentType, out var mediaType) || !mediaType.Charset.HasValue)
        {
            return next(context);
        }
        var charset = HeaderUtilities.RemoveQuotes(mediaType.Charset).Trim();
        if (charset.Length == 0 || charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase) || charset.Equals("utf8", StringComparison.OrdinalIgnoreCase))
        {
            mediaType.Charset = charset.Length == 0 ? default : "utf-8";
            context.Request.ContentType = mediaType.ToString();
            return next(context);
        }
        context.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
        return context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails =
            {
                Status = StatusCodes.Status415UnsupportedMediaType,
                Title = ReasonPhrases.GetReasonPhrase(StatusCodes.Status415UnsupportedMediaType),
                Detail = "The Content-Type's charset is not supported: send UTF-8 (charset=utf-8).",
            },
        }).AsTask();
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

    // The framework's and the JSON reader's messages name .NET types ("Failed to read parameter \"CreateRequest request\"",
    // "could not be converted to System.String"): the client gets the parameter or the JSON path and what is wrong.
    private static string Describe(BadHttpRequestException exception)
    {
        if (exception.InnerException is JsonException json)
        {
            return json.Path is { Length: > 1 } path
                ? $"The request body is not valid JSON, or the value at '{path}' has the wrong type."
                : "The request body is not valid JSON.";
        }
        var message = exception.Message;
        var parameter = FrameworkParameter().Match(message) is { Success: true } match ? match.Groups["name"].Value : null;
        return message switch
        {
            _ when parameter is null => message,
            _ when message.StartsWith("Failed to bind", StringComparison.Ordinal) => $"The value of '{parameter}' is not valid.",
            _ when message.StartsWith("Required parameter", StringComparison.Ordinal) => $"'{parameter}' is required.",
            _ when message.StartsWith("Implicit body", StringComparison.Ordinal) => "A request body is required.",
            _ => "The request body is not valid JSON.",
        };
    }

    [GeneratedRegex("""parameter "[^"]* (?<name>[^" ]+)"(?: |$)""")]
    private static partial Regex FrameworkParameter();

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method} {Path} answered {Status}: {ExceptionType}: {ExceptionMessage}")]
    private static partial void LogMapped(ILogger logger, string method, string path, int status, string exceptionType, string exceptionMessage);

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled exception on {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string method, string path);
}
