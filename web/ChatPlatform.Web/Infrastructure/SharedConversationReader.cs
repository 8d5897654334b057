using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using ChatPlatform.Web.Model;
using ChatPlatform.Web.Services;
using Microsoft.Extensions.Options;

namespace ChatPlatform.Web.Infrastructure;

/// <summary>
/// Reads a shared conversation for the public page, signed in or not: with the viewer's access token when they have a
/// session (a share for signed-in people needs one), and with the viewer's address vouched for by the web client key, so
/// the gateway's per-address limit counts the viewer rather than this server.
/// </summary>
public sealed class SharedConversationReader(IHttpClientFactory httpClients, IOptions<WebClientOptions> options, SessionRefresher refresher)
{
    public async Task<SharedRead> ReadAsync(string shareId, HttpContext context, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/shared/{Uri.EscapeDataString(shareId)}");
        if (context.User.Identity?.IsAuthenticated == true)
        {
            try
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await UserSession.AccessTokenAsync(context.User, refresher, cancellationToken));
            }
            catch (GatewayException e) when (e.IsUnauthorized)
            {
                // A session that has ended reads as signed out: a public share still shows.
            }
        }
        if (options.Value.WebClientKey is { Length: > 0 } key && context.Connection.RemoteIpAddress is { } address)
        {
            request.Headers.TryAddWithoutValidation(GatewayAuthClient.AddressHeader, address.ToString());
            request.Headers.TryAddWithoutValidation(GatewayAuthClient.KeyHeader, key);
        }
        HttpResponseMessage response;
        try
        {
            response = await httpClients.CreateClient(GatewayClient.HttpClientName).SendAsync(request, cancellationToken);
        }
        catch (Exception e) when (GatewayException.IsTransportFailure(e))
        {
            return new SharedRead.Refused(GatewayException.Unreachable().Message);
        }
        using (response)
        {
            return response.StatusCode switch
            {
                HttpStatusCode.OK => await response.Content.ReadFromJsonAsync<SharedConversation>(JsonDefaults.Options, cancellationToken) is { } shared
                    ? new SharedRead.Found(shared)
                    : new SharedRead.NotFound(),
                HttpStatusCode.Unauthorized => new SharedRead.SignInRequired(),
                HttpStatusCode.NotFound => new SharedRead.NotFound(),
                HttpStatusCode.TooManyRequests => new SharedRead.Refused("Too many shared conversations opened from here. Wait a minute and try again."),
                _ => new SharedRead.Refused("The shared conversation cannot be shown right now. Try again in a moment."),
            };
        }
    }
}
