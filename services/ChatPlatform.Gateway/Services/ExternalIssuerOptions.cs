namespace ChatPlatform.Gateway.Services;

/// <summary>
/// <c>Auth:Oidc</c>: an OpenID Connect issuer (Entra ID, Keycloak, Auth0, ...) whose access tokens the gateway accepts
/// beside its own. Its signing keys come from the issuer's discovery document; <c>Audience</c> is what the tokens must
/// be issued for. <c>RequireHttpsMetadata</c> is true unless set to false (for an issuer on a private network).
/// </summary>
public sealed record ExternalIssuerSettings(Uri Authority, string Audience, bool RequireHttpsMetadata)
{
    public const string SchemeName = "Oidc";

    public static ExternalIssuerSettings? Load(IConfigurationSection section)
    {
        var authority = section["Authority"];
        var audience = section["Audience"];
        if (string.IsNullOrWhiteSpace(authority) && string.IsNullOrWhiteSpace(audience))
        {
            return null;
        }
        if (!Uri.TryCreate(authority, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http"))
        {
            throw new InvalidOperationException("Auth:Oidc:Authority must be the issuer's absolute http(s) URL.");
        }
        if (string.IsNullOrWhiteSpace(audience))
        {
            throw new InvalidOperationException("Auth:Oidc:Audience is required with Auth:Oidc:Authority.");
        }
        var requireHttps = !bool.TryParse(section["RequireHttpsMetadata"], out var parsed) || parsed;
        return new ExternalIssuerSettings(uri, audience.Trim(), requireHttps);
    }

    /// <summary>Whether <paramref name="issuer"/> (a token's <c>iss</c>) names this issuer, ignoring a trailing slash.</summary>
    public bool Issued(string? issuer) =>
        issuer is not null && string.Equals(issuer.TrimEnd('/'), Authority.ToString().TrimEnd('/'), StringComparison.Ordinal);
}
