using System.Net.Http.Headers;

namespace ChatPlatform.Identity;

/// <summary>
/// Puts a service token on each request of an HTTP client: acting for the user named in the request's
/// <see cref="ActingFor"/> option, or for nobody.
/// </summary>
public sealed class InternalTokenHandler(InternalTokenIssuer issuer) : DelegatingHandler
{
    public static readonly HttpRequestOptionsKey<Guid> ActingFor = new("ChatPlatform.Identity.ActingFor");

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var userId = request.Options.TryGetValue(ActingFor, out var id) ? id : (Guid?)null;
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", issuer.CreateToken(InternalCaller.Service(userId)));
        return base.SendAsync(request, cancellationToken);
    }
}
