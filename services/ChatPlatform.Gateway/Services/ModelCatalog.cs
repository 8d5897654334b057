using System.Security.Claims;
using ChatPlatform.Gateway.Infrastructure;

namespace ChatPlatform.Gateway.Services;

public enum ModelCheck
{
    Known,
    Unknown,
    Unavailable,
}

/// <summary>Asks the model router whether a model id is one the user may pick (<c>GET /v1/models/{id}</c>).</summary>
public sealed partial class ModelCatalog(UpstreamClient upstreams, ILogger<ModelCatalog> logger)
{
    public async Task<ModelCheck> CheckAsync(ClaimsPrincipal user, string model, CancellationToken cancellationToken)
    {
        using var request = upstreams.CreateRequest(Upstreams.ModelRouter, HttpMethod.Get, "/v1/models/" + Uri.EscapeDataString(model));
        if (upstreams.InternalTokenFor(user) is { } token)
        {
            request.Headers.Authorization = UpstreamClient.Bearer(token);
        }
        using var invoker = upstreams.CreateInvoker(Upstreams.ModelRouter);
        try
        {
            using var response = await invoker.SendAsync(request, cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                return ModelCheck.Known;
            }
            if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                return ModelCheck.Unknown;
            }
            LogRouterRefused(logger, (int)response.StatusCode);
            return ModelCheck.Unavailable;
        }
        catch (HttpRequestException e)
        {
            LogRouterUnreachable(logger, e);
            return ModelCheck.Unavailable;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The model router answered {Status} to a model check")]
    private static partial void LogRouterRefused(ILogger logger, int status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The model router is unreachable; a default model could not be checked")]
    private static partial void LogRouterUnreachable(ILogger logger, Exception exception);
}
