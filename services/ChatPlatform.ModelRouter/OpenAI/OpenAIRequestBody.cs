using System.Text.Json;
using ChatPlatform.ModelRouter.Routing;
using Microsoft.AspNetCore.Http.Features;

namespace ChatPlatform.ModelRouter.OpenAI;

/// <summary>
/// The one way the router reads an OpenAI request body: bounded in size, parsed, then read by the endpoint's reader,
/// every failure answered in OpenAI's error shape rather than as a 500.
/// </summary>
public static class OpenAIRequestBody
{
    /// <summary>Room for a few base64 images, or 2,048 embedding inputs of a few thousand characters; larger is a 413.</summary>
    public const long MaxBytes = 16 * 1024 * 1024;

    /// <summary>The request <paramref name="read"/> makes of the body, or the error result to answer instead.</summary>
    public static async Task<(T? Request, IResult? Error)> ReadAsync<T>(HttpContext context, Func<JsonElement, T> read)
        where T : class
    {
        if (context.Request.ContentLength > MaxBytes)
        {
            return (null, TooLarge());
        }
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxBytes;
        }
        try
        {
            using var document = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            return (read(document.RootElement), null);
        }
        catch (RoutingException error)
        {
            return (null, ChatCompletionResults.Error(error));
        }
        catch (JsonException e)
        {
            return (null, ChatCompletionResults.Error(StatusCodes.Status400BadRequest, $"The request body is not valid JSON: {e.Message}"));
        }
        catch (InvalidOperationException)
        {
            // JsonElement.GetString throws this for a string escaped as an unpaired surrogate: valid JSON, not valid text.
            return (null, ChatCompletionResults.Error(StatusCodes.Status400BadRequest, "The request body holds a string that is not valid Unicode text."));
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, TooLarge());
        }
    }

    private static IResult TooLarge() => ChatCompletionResults.Error(
        StatusCodes.Status413PayloadTooLarge, $"The request body is larger than {MaxBytes / (1024 * 1024)} MB.", code: "request_too_large");
}
