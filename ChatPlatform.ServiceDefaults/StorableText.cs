using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Text a client sends is refused at the edge of every service when PostgreSQL could not store it: a NUL character
/// (<c>\u0000</c>), which PostgreSQL's text and jsonb reject (22021, 22P05). One converter for every string of every JSON
/// body and one check of the path and query, rather than a rule per field, so that a new field cannot be forgotten.
/// Lone surrogates and invalid UTF-8 never get this far: System.Text.Json refuses them as invalid JSON.
/// </summary>
public static class StorableText
{
    /// <summary>For the converter, the middleware and the problem they lead to.</summary>
    public static string Problem(string field) => $"'{field}' contains a NUL character (\\u0000), which cannot be stored.";

    /// <summary>Refuses a NUL in the decoded path or query before routing, as 400 problem details naming the parameter.</summary>
    public static IApplicationBuilder UseStorableText(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        var request = context.Request;
        // Kestrel already refuses a NUL in the path; other servers (the test server, a proxy's) may not.
        if (request.Path.Value?.Contains('\0', StringComparison.Ordinal) == true)
        {
            throw new UnstorableTextException("path");
        }
        if (request.QueryString.Value?.Contains("%00", StringComparison.Ordinal) == true)
        {
            foreach (var (key, values) in request.Query)
            {
                if (key.Contains('\0', StringComparison.Ordinal) || values.Any(v => v?.Contains('\0', StringComparison.Ordinal) == true))
                {
                    throw new UnstorableTextException(key);
                }
            }
        }
        return next(context);
    });
}

/// <summary>Every string read from a request's JSON body: as the default, unless it holds a NUL.</summary>
public sealed class StorableTextConverter : JsonConverter<string>
{
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => Check(reader.GetString());

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);

    public override string ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        Check(reader.GetString())!;

    public override void WriteAsPropertyName(Utf8JsonWriter writer, string value, JsonSerializerOptions options) =>
        writer.WritePropertyName(value);

    // The serializer adds where in the body the value was (the exception's Path) as it passes through.
    private static string? Check(string? value) =>
        value is not null && value.Contains('\0', StringComparison.Ordinal) ? throw new UnstorableTextException(null) : value;
}

/// <summary>A NUL in what a client sent; <see cref="Field"/> names where (a JSON body's path, or a query parameter).</summary>
public sealed class UnstorableTextException(string? parameter) : JsonException
{
    // A NUL in a property name is in the path too: the field is named without it.
    public string Field => (parameter ?? (Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : Path ?? "body"))
        .Replace("\0", "", StringComparison.Ordinal);
}

/// <summary>400 problem details naming the field, the errors keyed by it as a validation problem's are.</summary>
internal sealed class UnstorableTextProblems : IExceptionProblemMapper
{
    public ExceptionProblem? Map(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is UnstorableTextException text)
            {
                var detail = StorableText.Problem(text.Field);
                return new ExceptionProblem(StatusCodes.Status400BadRequest, detail, Errors: new Dictionary<string, string[]> { [text.Field] = [detail] });
            }
        }
        return null;
    }
}
