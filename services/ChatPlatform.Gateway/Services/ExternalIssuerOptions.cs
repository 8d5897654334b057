namespace ChatPlatform.Gateway.Services;

/// <summary>
/// <c>Auth:Oidc</c>: an OpenID Connect issuer (Entra ID, Keycloak, Auth0, ...) whose access tokens the gateway accepts
/// beside its own. Its signing keys come from the issuer's discovery document; <c>Audience</c> is what the tokens must
/// be issued for. <c>RequireHttpsMetadata</c> is true unless set to false (for an issuer on a private network).
/// Not configured when neither <c>Authority</c> nor <c>Audience</c> is set.
/// </summary>
public sealed class ExternalIssuerOptions
{
    public const string SchemeName = "Oidc";

    public Uri? Authority { get; set; }

    public string? Audience { get; set; }

    public bool RequireHttpsMetadata { get; set; } = true;

    public bool IsConfigured => Authority is not null || !string.IsNullOrWhiteSpace(Audience);

    /// <summary>Whether <paramref name="issuer"/> (a token's <c>iss</c>) names this issuer, ignoring a trailing slash.</summary>
    public bool Issued(string? issuer) =>
        IsConfigured && issuer is not null && Authority is not null
        && string.Equals(issuer.TrimEnd('/'), Authority.ToString().TrimEnd('/'), StringComparison.Ordinal);

    /// <summary>What is wrong with a configured issuer; nothing when it is complete or not configured at all.</summary>
    internal IEnumerable<string> Problems()
    {
        if (!IsConfigured)
        {
            yield break;
        }
        if (Authority is not { IsAbsoluteUri: true, Scheme: "https" or "http" })
        {
            yield return "Auth:Oidc:Authority must be the issuer's absolute http(s) URL.";
        }
        if (string.IsNullOrWhiteSpace(Audience))
        {
            yield return "Auth:Oidc:Audience is required with Auth:Oidc:Authority.";
        }
    }
}
