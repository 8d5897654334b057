using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using ProblemDetailsOptions = Microsoft.AspNetCore.Http.ProblemDetailsOptions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The last problem details writer: writes the problem as JSON whatever the request's <c>Accept</c> says. The framework's
/// writer declines a client that accepts only, say, <c>application/xml</c>; then a handler's
/// <see cref="IProblemDetailsService.WriteAsync"/> throws (a 500 with no body) and the status-code pages write nothing.
/// An error the client can read beats a 406 it cannot.
/// </summary>
internal sealed class AnyAcceptProblemDetailsWriter(IOptions<ProblemDetailsOptions> options, IOptions<JsonOptions> json) : IProblemDetailsWriter
{
    public bool CanWrite(ProblemDetailsContext context) => true;

    public ValueTask WriteAsync(ProblemDetailsContext context)
    {
        options.Value.CustomizeProblemDetails?.Invoke(context);
        var problem = context.ProblemDetails;
        problem.Status ??= context.HttpContext.Response.StatusCode;
        return new ValueTask(context.HttpContext.Response.WriteAsJsonAsync(
            problem, problem.GetType(), json.Value.SerializerOptions, contentType: "application/problem+json"));
    }
}
